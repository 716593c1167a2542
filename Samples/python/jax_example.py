#!/usr/bin/env python3
"""A small JAX run steered from trainscope: an MLP grokking addition modulo p on the CPU.

The same run as ``torch_example.py``, in JAX: the built-in engine's ``mlp`` (two embedding tables
summed, squared, a linear read-out) trained full batch by AdamW with weight decay 1, written out
below with ``jax.numpy`` (no optax needed). It memorizes within ~100 steps and generalizes (test
accuracy ≥ 99%) around step 1200 with the defaults (on a CPU: about 20 s, with the probes).

Every step it logs train/loss, train/acc, test/loss, test/acc, lr and weight_decay; trainscope
finds memorization and generalization in them (the grokking panel) as it does for every source. ``trainscope.jax.HessianTracker`` sends the top
Hessian eigenvalues every ``--hessian-every`` steps and ``trainscope.jax.compression_front`` the
front of pruned and quantized copies every ``--probe-every`` steps. The knobs ``lr`` and
``weight_decay`` can be changed from the dashboard (they are arguments of the jitted step, so a
change does not recompile), and pause/stop are honoured.

    trainscope watch unix:                        # prints: export TRAINSCOPE_TOKEN=...
    export TRAINSCOPE_TOKEN=...                   # in the training shell
    python3 Samples/python/jax_example.py --url unix:

    python3 Samples/python/jax_example.py --url run.jsonl && trainscope snapshot run.jsonl --panel hessian
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, NamedTuple, Tuple

import jax
import jax.numpy as jnp

try:
    import trainscope  # noqa: F401  (an installed package: pip install './python[jax]')
except ImportError:  # not installed: use the package in this repository's python/src
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python" / "src"))
from trainscope import Client
from trainscope.jax import HessianTracker, compression_front

Params = Dict[str, jax.Array]  # embed_a [p, width], embed_b [p, width], out [width, p]
Split = Tuple[jax.Array, jax.Array, jax.Array]  # a [n], b [n], label (a + b) mod p [n]


class AdamState(NamedTuple):
    """AdamW's moments (pytrees shaped like the parameters) and the step count, for bias correction."""

    first: Params
    second: Params
    count: jax.Array


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--url", default=None, help="unix:PATH, unix:, tcp://HOST:PORT, - or a .jsonl file (default: $TRAINSCOPE_URL, else stdout)")
    parser.add_argument("--steps", type=int, default=2000, help="training steps")
    parser.add_argument("--run", default="jax-modular", help="run id")
    parser.add_argument("--p", type=int, default=31, help="the modulus")
    parser.add_argument("--train-fraction", type=float, default=0.5)
    parser.add_argument("--width", type=int, default=128, help="hidden units")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--weight-decay", type=float, default=1.0)
    parser.add_argument("--hessian-every", type=int, default=50, help="steps between spectrum estimates (0: never)")
    parser.add_argument("--hessian-k", type=int, default=3, help="top eigenvalues to estimate")
    parser.add_argument("--trace-probes", type=int, default=8, help="Hutch++ products for the Hessian trace (0: none)")
    parser.add_argument("--hessian-batch", type=int, default=256, help="training examples in the Hessian's loss")
    parser.add_argument("--probe-every", type=int, default=250, help="steps between compression fronts (0: never)")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def modular_addition(p: int, train_fraction: float, seed: int) -> Tuple[Split, Split]:
    """All pairs (a, b) with label (a + b) mod p, shuffled and split into train and test."""
    a, b = jnp.divmod(jnp.arange(p * p), p)
    order = jax.random.permutation(jax.random.PRNGKey(seed), p * p)
    n = int(train_fraction * p * p)
    train, test = order[:n], order[n:]
    return (a[train], b[train], (a[train] + b[train]) % p), (a[test], b[test], (a[test] + b[test]) % p)


def init_params(key: jax.Array, p: int, width: int) -> Params:
    """N(0, 1) embeddings (the engine's embedding_std = 1), a read-out uniform in ±1/√width (PyTorch's Linear)."""
    ka, kb, ko = jax.random.split(key, 3)
    bound = 1.0 / width ** 0.5
    return {
        "embed_a": jax.random.normal(ka, (p, width)),
        "embed_b": jax.random.normal(kb, (p, width)),
        "out": jax.random.uniform(ko, (width, p), minval=-bound, maxval=bound),
    }


def logits_of(params: Params, a: jax.Array, b: jax.Array) -> jax.Array:
    """Logits ``[n, p]`` = (embed_a[a] + embed_b[b])² @ out."""
    return ((params["embed_a"][a] + params["embed_b"][b]) ** 2) @ params["out"]


def cross_entropy(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """Mean cross-entropy of integer labels ``[n]`` under logits ``[n, p]``."""
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), labels[:, None], axis=1))


def loss_fn(params: Params, batch: Split) -> jax.Array:
    """The training loss on a batch: what the Hessian is taken of."""
    return cross_entropy(logits_of(params, batch[0], batch[1]), batch[2])


@jax.jit
def evaluate(params: Params, split: Split) -> Dict[str, jax.Array]:
    """Loss and accuracy on a whole split."""
    logits = logits_of(params, split[0], split[1])
    return {"loss": cross_entropy(logits, split[2]), "acc": jnp.mean(jnp.argmax(logits, axis=1) == split[2])}


def adamw(params: Params, grads: Params, state: AdamState, lr: jax.Array, weight_decay: jax.Array,
          betas: Tuple[float, float] = (0.9, 0.98), eps: float = 1e-8) -> Tuple[Params, AdamState]:
    """One AdamW update (PyTorch's: decay decoupled from the gradient, ``p ← p(1 − lr·wd) − lr·m̂/(√v̂ + ε)``)."""
    b1, b2 = betas
    count = state.count + 1
    first = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, state.first, grads)
    second = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, state.second, grads)
    c1, c2 = 1 - b1 ** count, 1 - b2 ** count

    def update(p: jax.Array, m: jax.Array, v: jax.Array) -> jax.Array:
        return p * (1 - lr * weight_decay) - lr * (m / c1) / (jnp.sqrt(v / c2) + eps)

    return jax.tree_util.tree_map(update, params, first, second), AdamState(first, second, count)


@jax.jit
def train_step(params: Params, state: AdamState, batch: Split, lr: jax.Array,
               weight_decay: jax.Array) -> Tuple[Params, AdamState, jax.Array, jax.Array]:
    """One full-batch step: the loss and accuracy at ``params`` (before the update), then the updated params and state."""
    def loss_and_logits(q: Params) -> Tuple[jax.Array, jax.Array]:
        logits = logits_of(q, batch[0], batch[1])
        return cross_entropy(logits, batch[2]), logits

    (loss, logits), grads = jax.value_and_grad(loss_and_logits, has_aux=True)(params)
    accuracy = jnp.mean(jnp.argmax(logits, axis=1) == batch[2])
    params, state = adamw(params, grads, state, lr, weight_decay)
    return params, state, loss, accuracy


def main() -> None:
    args = parse_args()
    train, test = modular_addition(args.p, args.train_fraction, args.seed)
    params = init_params(jax.random.PRNGKey(args.seed + 1), args.p, args.width)
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    state = AdamState(zeros, zeros, jnp.zeros((), jnp.int32))
    knobs: Dict[str, Any] = {"lr": args.lr, "weight_decay": args.weight_decay}

    ts = Client(
        url=args.url,
        run=args.run,
        task=f"a add b mod {args.p}, train fraction {args.train_fraction}",
        model=f"mlp(embed {args.p}×{args.width} ×2, square, out {args.width}→{args.p})",
        config={**vars(args), "parameters": sum(int(v.size) for v in params.values())},
        knobs={
            "lr": {"value": args.lr, "min": 1e-5, "max": 1.0, "scale": "log", "step": 2},
            "weight_decay": {"value": args.weight_decay, "min": 1e-4, "max": 10.0, "scale": "log", "step": 2},
        },
    )
    # The Hessian of the training loss on a fixed slice of the training set, at the weights before
    # each step's update, as the engine measures it.
    hessian_batch = tuple(t[: args.hessian_batch] for t in train)
    tracker = HessianTracker(params, loss_fn, hessian_batch, every=max(args.hessian_every, 1), k=args.hessian_k,
                             trace_probes=args.trace_probes, client=ts)

    def test_metrics(candidate: Params) -> Dict[str, jax.Array]:
        result = evaluate(candidate, test)  # jitted once: candidates share shapes and dtypes
        return {"test/acc": result["acc"], "test/loss": result["loss"]}

    try:
        for step in range(1, args.steps + 1):
            ts.wait_while_paused()
            if ts.stop_requested:
                break
            knobs.update(ts.knobs())  # changes made in the dashboard

            # Everything step N reports describes the weights its gradient is taken at, before the
            # update (PROTOCOL.md, "What a step's values describe"): test metrics and probes first.
            result = evaluate(params, test)
            if ts.enabled:
                if args.hessian_every > 0:
                    tracker(step, params)
                if args.probe_every > 0 and (step % args.probe_every == 0 or step == args.steps):
                    compression_front(params, test_metrics, step=step, client=ts)
            params, state, loss, accuracy = train_step(params, state, train, knobs["lr"], knobs["weight_decay"])

            train_acc, test_acc = float(accuracy), float(result["acc"])
            ts.log(step, {"train/loss": float(loss), "train/acc": train_acc, "test/loss": float(result["loss"]),
                          "test/acc": test_acc, "lr": knobs["lr"], "weight_decay": knobs["weight_decay"]})
    finally:
        ts.close()


if __name__ == "__main__":
    main()
