#!/usr/bin/env bash
# The virtual environment the Python tests run in: .venv-python/, made on first use and made again
# when python/requirements-*.txt change. It holds the package (installed editable from python/),
# mypy, numpy and jax; with --torch also a CPU build of torch, transformers, lightning and
# tensorboard for Tests/python_torch.
#
# torch comes only as a CPU wheel: from a folder pip's find-links names (this machine's
# /opt/wheels), else PyTorch's CPU index. PyPI's own torch pulls gigabytes of CUDA libraries, so
# it is never installed here: without a CPU wheel, --torch says so and exits 3.
#
# Usage: scripts/python-env.sh [--torch]      prints nothing on success; the interpreter is
#        .venv-python/bin/python
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-python
want_torch=0
[ "${1:-}" = "--torch" ] && want_torch=1

stamp_of() { cat "$@" | sha256sum | cut -c1-16; }
core_stamp=$(stamp_of python/requirements-test.txt python/pyproject.toml)
torch_stamp=$(stamp_of python/requirements-torch.txt)
pip() { "$venv/bin/python" -m pip install -q --disable-pip-version-check "$@"; }

if [ ! -f "$venv/.core-$core_stamp" ]; then
    echo "trainscope: making $venv (jax, numpy, mypy and the package) …" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    pip -r python/requirements-test.txt
    pip -e python
    touch "$venv/.core-$core_stamp"
fi
[ $want_torch = 1 ] || exit 0
[ -f "$venv/.torch-$torch_stamp" ] && exit 0

# A CPU wheel for this interpreter in one of pip's find-links folders, else the CPU index.
tag=$("$venv/bin/python" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
wheel=""
for folder in ${PIP_FIND_LINKS:-} $("$venv/bin/python" -m pip config get global.find-links 2>/dev/null || true); do
    for candidate in "$folder"/torch-*+cpu-"$tag"-*linux*_"$(uname -m)".whl; do
        [ -f "$candidate" ] && wheel=$candidate
    done
done
echo "trainscope: adding torch (CPU), transformers, lightning and tensorboard to $venv …" >&2
if [ -n "$wheel" ]; then
    pip "$wheel"
elif ! pip torch --index-url https://download.pytorch.org/whl/cpu 2>/dev/null; then
    echo "trainscope: no CPU build of torch to install (none in pip's find-links, PyTorch's CPU index unreachable)" >&2
    exit 3
fi
# Pinned to the build just installed, so that no requirement swaps it for PyPI's CUDA build.
pip -r python/requirements-torch.txt "torch==$("$venv/bin/python" -c 'import torch; print(torch.__version__)')"
touch "$venv/.torch-$torch_stamp"
