"""A trainscope grokking checkpoint read back into PyTorch and JAX (standard library + numpy; no safetensors package).

The built-in ``mlp`` (Sources/NN/Model.swift, Benchmarks/reference/grokking_model.py):
h = E_a[a] + E_b[b], z = h², logits = z·Woutᵀ, mean cross-entropy over the training split that
the checkpoint's ``data.train_indices`` names (indices into the pairs (a, b) in order a·p + b).
Used by test_agreement.py and Benchmarks/python_curvature.py.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]

_DTYPES = {"F32": np.float32, "F64": np.float64, "I32": np.int32, "I64": np.int64}
LAYERS = ("embed_a", "embed_b", "out")


def read_safetensors(path: Path) -> Tuple[Dict[str, np.ndarray], Dict[str, str]]:
    """(tensors, metadata) of a safetensors file: 8-byte little-endian header length, JSON header, raw data."""
    data = Path(path).read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    metadata = header.pop("__metadata__", {})
    body = memoryview(data)[8 + length:]
    tensors = {}
    for name, entry in header.items():
        start, end = entry["data_offsets"]
        array = np.frombuffer(body[start:end], dtype=np.dtype(_DTYPES[entry["dtype"]]).newbyteorder("<"))
        tensors[name] = array.reshape(entry["shape"]).copy()
    return tensors, metadata


@dataclass
class GrokkingProblem:
    """The weights and the training split of a grokking-MLP checkpoint."""

    weights: Dict[str, np.ndarray]  # embed_a, embed_b, out: [p, hidden] each (out: [classes, hidden])
    a: np.ndarray  # [n] first operands of the training pairs
    b: np.ndarray  # [n] second operands
    y: np.ndarray  # [n] labels (a + b) mod p
    config: Dict[str, Any]


def load_problem(path: Path) -> GrokkingProblem:
    """The grokking MLP of a ``trainscope run --preset grokking`` checkpoint; ValueError for another model."""
    tensors, metadata = read_safetensors(path)
    config = json.loads(metadata["config"])
    if (config.get("task"), config.get("model"), config.get("activation"), config.get("op")) != ("modular", "mlp", "square", "add"):
        raise ValueError(f"not the grokking MLP: {config}")
    p = int(config["p"])
    indices = tensors["data.train_indices"].astype(np.int64)
    weights = {name: tensors[f"{name}.weight"].astype(np.float32) for name in LAYERS}
    a, b = indices // p, indices % p
    return GrokkingProblem(weights, a, b, (a + b) % p, config)


def torch_model(problem: GrokkingProblem) -> Tuple[Any, Callable[[Any, Any], Any], Tuple[Any, Any, Any]]:
    """(module with layers embed_a, embed_b, out; ``loss_fn(model, batch)``; the training batch (a, b, y))."""
    import torch

    class GrokkingMLP(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            p, hidden = problem.weights["embed_a"].shape
            self.embed_a = torch.nn.Embedding(p, hidden)
            self.embed_b = torch.nn.Embedding(p, hidden)
            self.out = torch.nn.Linear(hidden, problem.weights["out"].shape[0], bias=False)
            with torch.no_grad():
                for name in LAYERS:
                    getattr(self, name).weight.copy_(torch.from_numpy(problem.weights[name]))

        def forward(self, a: Any, b: Any) -> Any:
            h = self.embed_a(a) + self.embed_b(b)
            return self.out(h * h)

    def loss_fn(model: Any, batch: Any) -> Any:
        return torch.nn.functional.cross_entropy(model(batch[0], batch[1]), batch[2])

    batch = tuple(torch.from_numpy(x) for x in (problem.a, problem.b, problem.y))
    return GrokkingMLP(), loss_fn, batch


def jax_model(problem: GrokkingProblem) -> Tuple[Dict[str, Any], Callable[[Any, Any], Any], Tuple[Any, Any, Any]]:
    """(params pytree {embed_a, embed_b, out}; ``loss_fn(params, batch)``; the training batch (a, b, y))."""
    import jax
    import jax.numpy as jnp

    def loss_fn(w: Dict[str, Any], batch: Any) -> Any:
        a, b, y = batch
        h = w["embed_a"][a] + w["embed_b"][b]
        logits = (h * h) @ w["out"].T
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))

    params = {name: jnp.asarray(problem.weights[name]) for name in LAYERS}
    batch = tuple(jnp.asarray(x.astype(np.int32)) for x in (problem.a, problem.b, problem.y))
    return params, loss_fn, batch


def find_binary() -> Optional[str]:
    """The trainscope binary: env TRAINSCOPE_BIN, else .build/release/trainscope, else .build/debug/trainscope."""
    candidates: List[str] = []
    if os.environ.get("TRAINSCOPE_BIN"):
        candidates.append(os.environ["TRAINSCOPE_BIN"])
    candidates += [str(REPO_ROOT / ".build" / "release" / "trainscope"), str(REPO_ROOT / ".build" / "debug" / "trainscope")]
    for candidate in candidates:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def make_checkpoint(binary: str, directory: Path, steps: int) -> Path:
    """Trains the grokking preset for ``steps`` steps headless and returns its final checkpoint."""
    subprocess.run([binary, "run", "--preset", "grokking", "--headless", "--steps", str(steps),
                    "--checkpoint-dir", str(directory)], check=True, capture_output=True, timeout=300,
                   env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    return Path(directory) / f"step-{steps:07d}.safetensors"


class CLIHessian:
    """``trainscope hessian CHECKPOINT --json OPTIONS...`` started in the background; ``result()`` waits for its dict."""

    def __init__(self, binary: str, checkpoint: Path, *options: str) -> None:
        self._process = subprocess.Popen([binary, "hessian", str(checkpoint), "--json", *options], stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True,
                                         env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
        self._result: Optional[Dict[str, Any]] = None

    def result(self, timeout: float = 600) -> Dict[str, Any]:
        if self._result is None:
            out, err = self._process.communicate(timeout=timeout)
            if self._process.returncode != 0:
                raise RuntimeError(f"trainscope hessian failed ({self._process.returncode}): {err.strip()}")
            self._result = json.loads(out)
        return self._result

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.communicate()
