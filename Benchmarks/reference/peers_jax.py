"""JAX (jit, CPU) training steps of the benchmark models (peer_models.py), for engine_vs_jax.sh.

Usage: peers_jax.py --model grokking|transformer|eos [--steps N] [--hvp]
Prints `jax_steps_per_s N` (a jitted step: gradient and update, compilation excluded), or with
--hvp `jax_hvp_ms N` (a jitted Hessian-vector product: jvp of grad) on the same loss.
Threads come from XLA_FLAGS, set by the caller.
"""
import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np

import peer_models

parser = argparse.ArgumentParser()
parser.add_argument("--model", choices=peer_models.MODELS, required=True)
parser.add_argument("--steps", type=int, default=300)
parser.add_argument("--hvp", action="store_true")
args = parser.parse_args()

rng = np.random.default_rng(0)
params = {k: jnp.asarray(v) for k, v in peer_models.parameters(args.model, rng).items()}
batch = [jnp.asarray(v) for v in peer_models.data(args.model, rng)]


def layer_norm(x, w, b):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / jnp.sqrt(var + 1e-5) * w + b


def cross_entropy(logits, labels):
    return -jnp.mean(jax.nn.log_softmax(logits)[jnp.arange(labels.shape[0]), labels])


def loss_fn(w):
    if args.model == "grokking":
        a, b, y = batch
        h = w["embed_a"][a] + w["embed_b"][b]
        return cross_entropy((h * h) @ w["out"].T, y)
    if args.model == "transformer":
        a, b, y = batch
        tokens = jnp.stack([a, b, jnp.full_like(a, peer_models.P)], axis=1)        # [n, 3]
        x = w["embed"][tokens] + w["position"][None]                                # [n, 3, d]
        normed = layer_norm(x, w["ln1.weight"], w["ln1.bias"])
        q = jnp.einsum("nd,hkd->nhk", normed[:, 2], w["attn.query"])               # [n, H, hd]
        k = jnp.einsum("ntd,hkd->nthk", normed, w["attn.key"])                     # [n, 3, H, hd]
        v = jnp.einsum("ntd,hkd->nthk", normed, w["attn.value"])
        scores = jnp.einsum("nhk,nthk->nht", q, k) / jnp.sqrt(q.shape[-1])         # [n, H, 3]
        mixed = jnp.einsum("nht,nthk->nhk", jax.nn.softmax(scores, -1), v)
        residual = x[:, 2] + jnp.einsum("nhk,hdk->nd", mixed, w["attn.output"])
        inner = jax.nn.relu(layer_norm(residual, w["ln2.weight"], w["ln2.bias"]) @ w["mlp.in.weight"].T + w["mlp.in.bias"])
        hidden = residual + inner @ w["mlp.out.weight"].T + w["mlp.out.bias"]
        return cross_entropy(layer_norm(hidden, w["ln_f.weight"], w["ln_f.bias"]) @ w["unembed"].T, y)
    x, y = batch
    for i in (1, 2):
        x = jnp.tanh(x @ w[f"fc{i}.weight"].T + w[f"fc{i}.bias"])
    return 0.5 * jnp.mean((x @ w["fc3.weight"].T + w["fc3.bias"] - y) ** 2)


def update(w, g, m, v, t):
    if args.model == "eos":
        return jax.tree_util.tree_map(lambda w, g: w - peer_models.SGD_LR * g, w, g), m, v
    lr, wd, b1, b2, eps = peer_models.ADAMW[args.model]
    m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, g)
    v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, g)
    c1, c2 = 1 - b1 ** t, 1 - b2 ** t
    w = jax.tree_util.tree_map(lambda w, m, v: w - lr * wd * w - lr * (m / c1) / (jnp.sqrt(v / c2) + eps), w, m, v)
    return w, m, v


@jax.jit
def train_step(w, m, v, t):
    loss, g = jax.value_and_grad(loss_fn)(w)
    w, m, v = update(w, g, m, v, t)
    return w, m, v, loss


@jax.jit
def hvp(w, direction):
    return jax.jvp(jax.grad(loss_fn), (w,), (direction,))[1]


if args.hvp:
    direction = jax.tree_util.tree_map(lambda p: jnp.asarray(rng.normal(0, 1, p.shape), jnp.float32), params)
    for _ in range(3):
        out = hvp(params, direction)
    jax.tree_util.tree_map(lambda x: x.block_until_ready(), out)
    start = time.perf_counter()
    for _ in range(args.steps):
        out = hvp(params, direction)
    jax.tree_util.tree_map(lambda x: x.block_until_ready(), out)
    print(f"jax_hvp_ms {(time.perf_counter() - start) / args.steps * 1000:.2f}")
else:
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
    print(f"jax_steps_per_s {args.steps / (time.perf_counter() - start):.1f}")
print(f"jax_version {jax.__version__}")
