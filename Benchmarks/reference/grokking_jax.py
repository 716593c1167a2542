"""The trainscope grokking MLP in JAX (jit, CPU), for Benchmarks/engine_vs_jax.sh.

The model of grokking_model.py with the preset's update: AdamW (lr 3e-3, weight decay 1,
β = (0.9, 0.98), ε = 1e-8, decoupled decay as PyTorch). Prints `jax_steps_per_s N` for `--steps` jitted training steps
after a warm-up (compilation excluded), evaluation excluded as in the Swift measurement.
"""
import argparse
import time

import grokking_model
import jax
import jax.numpy as jnp

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=300)
args = parser.parse_args()

lr, wd, b1, b2, eps = 3e-3, 1.0, 0.9, 0.98, 1e-8
params, loss_fn, _ = grokking_model.make(seed=0)


@jax.jit
def train_step(w, m, v, t):
    loss, g = jax.value_and_grad(loss_fn)(w)
    m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, g)
    v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, g)
    c1, c2 = 1 - b1 ** t, 1 - b2 ** t
    w = jax.tree_util.tree_map(
        lambda w, m, v: w - lr * wd * w - lr * (m / c1) / (jnp.sqrt(v / c2) + eps), w, m, v)
    return w, m, v, loss


m = jax.tree_util.tree_map(jnp.zeros_like, params)
v = jax.tree_util.tree_map(jnp.zeros_like, params)
w = params
for t in range(1, 21):  # warm-up: compile and settle
    w, m, v, loss = train_step(w, m, v, float(t))
loss.block_until_ready()
start = time.perf_counter()
for t in range(21, 21 + args.steps):
    w, m, v, loss = train_step(w, m, v, float(t))
loss.block_until_ready()
elapsed = time.perf_counter() - start
print(f"jax_version {jax.__version__}")
print(f"jax_steps_per_s {args.steps / elapsed:.1f}")
print(f"jax_final_loss {float(loss):.4g}")
