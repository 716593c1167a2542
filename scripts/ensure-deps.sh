#!/usr/bin/env bash
# Installs the system packages trainscope builds against, when they are missing:
#   openblas (libopenblas-dev) and ncursesw (libncurses-dev), found through pkg-config.
# Explains and stops (exit 1) when it cannot install: not root, or no apt-get.
set -euo pipefail

need=()
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
pkg-config --exists openblas 2>/dev/null || need+=(libopenblas-dev)
pkg-config --exists ncursesw 2>/dev/null || need+=(libncurses-dev)
[ ${#need[@]} -eq 0 ] && exit 0

echo "trainscope: missing system packages: ${need[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
    echo "trainscope: apt-get is not available; install the equivalents of: ${need[*]}" >&2
    echo "            (OpenBLAS with its pkg-config file 'openblas', wide-character ncurses 'ncursesw')." >&2
    exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo="sudo"
    else
        echo "trainscope: installing needs root; run:  sudo apt-get install -y ${need[*]}" >&2
        exit 1
    fi
fi
echo "trainscope: installing with apt-get: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
