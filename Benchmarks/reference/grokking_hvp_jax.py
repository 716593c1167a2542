"""Gradient and Hessian-vector product of the trainscope grokking MLP's training loss in JAX
(jit, CPU), for Benchmarks/hvp_cost.sh: the same model as grokking_jax.py, at its initial
parameters. HVP = jax.jvp of jax.grad (forward-over-reverse). Prints `key value` lines.
"""
import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--repeats", type=int, default=30)
args = parser.parse_args()

p, hidden, fraction = 97, 128, 0.3
rng = np.random.default_rng(0)
pairs = np.array([(a, b) for a in range(p) for b in range(p)], dtype=np.int32)
order = rng.permutation(len(pairs))[: int(fraction * len(pairs))]
a, b = jnp.asarray(pairs[order, 0]), jnp.asarray(pairs[order, 1])
y = (a + b) % p
w = {
    "embed_a": jnp.asarray(rng.normal(0, 1, (p, hidden)), jnp.float32),
    "embed_b": jnp.asarray(rng.normal(0, 1, (p, hidden)), jnp.float32),
    "out": jnp.asarray(rng.uniform(-hidden ** -0.5, hidden ** -0.5, (p, hidden)), jnp.float32),
}
v = jax.tree_util.tree_map(lambda x: jnp.asarray(rng.normal(0, 1, x.shape), jnp.float32), w)


def loss_fn(w):
    h = w["embed_a"][a] + w["embed_b"][b]
    logits = (h * h) @ w["out"].T
    return -jnp.mean(jax.nn.log_softmax(logits)[jnp.arange(len(y)), y])


grad = jax.jit(jax.grad(loss_fn))
hvp = jax.jit(lambda w, v: jax.jvp(jax.grad(loss_fn), (w,), (v,))[1])


def timed(f, *xs):
    for _ in range(3):
        jax.block_until_ready(f(*xs))
    start = time.perf_counter()
    for _ in range(args.repeats):
        out = f(*xs)
    jax.block_until_ready(out)
    return (time.perf_counter() - start) / args.repeats


g, h = timed(grad, w), timed(hvp, w, v)
print(f"jax_gradient_ms {g * 1000:.2f}")
print(f"jax_hvp_ms {h * 1000:.2f}")
print(f"jax_hvp_over_gradient {h / g:.2f}")
