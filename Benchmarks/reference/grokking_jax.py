"""The trainscope grokking MLP in JAX (jit, CPU), for Benchmarks/engine_vs_jax.sh.

Identical model and update to `trainscope run --preset grokking`: p = 97, 30% of the pairs
(a, b) for training (full batch), E_a, E_b ∈ R^{p×128}, h = E_a[a] + E_b[b], z = h², logits =
z·Woutᵀ, mean softmax cross-entropy, AdamW (lr 3e-3, weight decay 1, β = (0.9, 0.98), ε = 1e-8,
decoupled decay as PyTorch). Prints `jax_steps_per_s N` for `--steps` jitted training steps
after a warm-up (compilation excluded), evaluation excluded as in the Swift measurement.
"""
import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=300)
args = parser.parse_args()

p, hidden, fraction = 97, 128, 0.3
lr, wd, b1, b2, eps = 3e-3, 1.0, 0.9, 0.98, 1e-8
rng = np.random.default_rng(0)
pairs = np.array([(a, b) for a in range(p) for b in range(p)], dtype=np.int32)
order = rng.permutation(len(pairs))[: int(fraction * len(pairs))]
a, b = jnp.asarray(pairs[order, 0]), jnp.asarray(pairs[order, 1])
y = (a + b) % p
params = {
    "embed_a": jnp.asarray(rng.normal(0, 1, (p, hidden)), jnp.float32),
    "embed_b": jnp.asarray(rng.normal(0, 1, (p, hidden)), jnp.float32),
    "out": jnp.asarray(rng.uniform(-hidden ** -0.5, hidden ** -0.5, (p, hidden)), jnp.float32),
}


def loss_fn(w):
    h = w["embed_a"][a] + w["embed_b"][b]
    logits = (h * h) @ w["out"].T
    return -jnp.mean(jax.nn.log_softmax(logits)[jnp.arange(len(y)), y])


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
