"""Gradient and Hessian-vector product of the trainscope grokking MLP's training loss in JAX
(jit, CPU), for Benchmarks/hvp_cost.sh: the model of grokking_model.py, at its initial
parameters. HVP = jax.jvp of jax.grad (forward-over-reverse). Prints `key value` lines.
"""
import argparse
import time

import grokking_model
import jax
import jax.numpy as jnp

parser = argparse.ArgumentParser()
parser.add_argument("--repeats", type=int, default=30)
args = parser.parse_args()

w, loss_fn, rng = grokking_model.make(seed=0)
v = jax.tree_util.tree_map(lambda x: jnp.asarray(rng.normal(0, 1, x.shape), jnp.float32), w)


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
