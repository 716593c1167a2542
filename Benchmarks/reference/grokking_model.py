"""The trainscope grokking MLP in JAX, for grokking_hvp_jax.py and python_curvature.py.

Identical to `trainscope run --preset grokking`: p = 97, 30% of the pairs (a, b) for training
(full batch), E_a, E_b ∈ R^{p×128}, h = E_a[a] + E_b[b], z = h², logits = z·Woutᵀ, mean softmax
cross-entropy. `make(seed)` returns initial parameters and the loss function.
"""
import jax
import jax.numpy as jnp
import numpy as np

P, HIDDEN, TRAIN_FRACTION = 97, 128, 0.3


def make(seed=0):
    rng = np.random.default_rng(seed)
    pairs = np.array([(a, b) for a in range(P) for b in range(P)], dtype=np.int32)
    order = rng.permutation(len(pairs))[: int(TRAIN_FRACTION * len(pairs))]
    a, b = jnp.asarray(pairs[order, 0]), jnp.asarray(pairs[order, 1])
    y = (a + b) % P
    params = {
        "embed_a": jnp.asarray(rng.normal(0, 1, (P, HIDDEN)), jnp.float32),
        "embed_b": jnp.asarray(rng.normal(0, 1, (P, HIDDEN)), jnp.float32),
        "out": jnp.asarray(rng.uniform(-HIDDEN ** -0.5, HIDDEN ** -0.5, (P, HIDDEN)), jnp.float32),
    }

    def loss_fn(w):
        h = w["embed_a"][a] + w["embed_b"][b]
        logits = (h * h) @ w["out"].T
        return -jnp.mean(jax.nn.log_softmax(logits)[jnp.arange(len(y)), y])

    return params, loss_fn, rng
