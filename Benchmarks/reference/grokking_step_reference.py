"""Independent numpy reference for ONE training step of the trainscope "grokking MLP".

What it is
----------
A tiny, float64, hand-written (no autodiff) reference for the modular-addition MLP:

    pairs (a, b), a, b in [0, p), label y = (a + b) mod p
    h      = E1[a] + E2[b]              # [n, H]
    z      = h * h                      # quadratic activation
    logits = z @ W2                     # [n, p]
    loss   = mean softmax cross-entropy over the full train set

followed by one PyTorch-style AdamW step (decoupled weight decay, t = 1):

    m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
    mhat = m / (1-b1^t);  vhat = v / (1-b2^t)
    w = w - lr*wd*w - lr*mhat/(sqrt(vhat)+eps)

Instance: p = 7, H = 8, train_fraction = 0.5 (first floor(0.5*p*p) = 24 pairs of a
shuffled a-major pair list are the train set). One numpy Generator,
np.random.default_rng(1234), is used in this order: permutation(p*p) for the shuffle,
then E1 ~ N(0,1) [p,H], E2 ~ N(0,1) [p,H], W2 ~ N(0, 1/H) [H,p].
Hyperparameters: lr=0.01, weight_decay=1.0, beta1=0.9, beta2=0.98, eps=1e-8.

The hand-written gradients are checked against central finite differences
(max relative error < 1e-6) before anything is written.

Output: Tests/TrainingTests/Fixtures/grokking_step.json (relative to the repo root).

Rerun (from the repository root):

    python3 Benchmarks/reference/grokking_step_reference.py

Dependencies: Python 3 standard library + numpy.
"""
import json
import math
import os

import numpy as np

P = 7
HIDDEN = 8
TRAIN_FRACTION = 0.5
SEED = 1234
LR = 0.01
WEIGHT_DECAY = 1.0
BETA1 = 0.9
BETA2 = 0.98
EPS = 1e-8

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_PATH = os.path.join(REPO_ROOT, "Tests", "TrainingTests", "Fixtures", "grokking_step.json")


def make_instance():
    rng = np.random.default_rng(SEED)
    pairs = np.array([(a, b) for a in range(P) for b in range(P)], dtype=np.int64)
    perm = rng.permutation(P * P)
    pairs = pairs[perm]
    n_train = int(math.floor(TRAIN_FRACTION * P * P))
    a = pairs[:n_train, 0]
    b = pairs[:n_train, 1]
    y = (a + b) % P
    E1 = rng.standard_normal((P, HIDDEN))
    E2 = rng.standard_normal((P, HIDDEN))
    W2 = rng.standard_normal((HIDDEN, P)) * (1.0 / math.sqrt(HIDDEN))
    return a, b, y, {"E1": E1, "E2": E2, "W2": W2}


def loss_only(params, a, b, y):
    h = params["E1"][a] + params["E2"][b]
    z = h * h
    logits = z @ params["W2"]
    mx = logits.max(axis=1, keepdims=True)
    lse = mx[:, 0] + np.log(np.exp(logits - mx).sum(axis=1))
    return float(np.mean(lse - logits[np.arange(len(y)), y]))


def loss_and_grads(params, a, b, y):
    E1, E2, W2 = params["E1"], params["E2"], params["W2"]
    n = len(y)
    h = E1[a] + E2[b]                       # [n, H]
    z = h * h                               # [n, H]
    logits = z @ W2                         # [n, p]
    mx = logits.max(axis=1, keepdims=True)
    ex = np.exp(logits - mx)
    s = ex.sum(axis=1, keepdims=True)
    probs = ex / s
    lse = mx[:, 0] + np.log(s[:, 0])
    loss = float(np.mean(lse - logits[np.arange(n), y]))

    dlogits = probs.copy()
    dlogits[np.arange(n), y] -= 1.0
    dlogits /= n                            # d loss / d logits
    gW2 = z.T @ dlogits                     # [H, p]
    dz = dlogits @ W2.T                     # [n, H]
    dh = dz * (2.0 * h)                     # d(h^2)/dh = 2h
    gE1 = np.zeros_like(E1)
    gE2 = np.zeros_like(E2)
    np.add.at(gE1, a, dh)                   # scatter-add rows of the embedding lookup
    np.add.at(gE2, b, dh)
    return loss, {"E1": gE1, "E2": gE2, "W2": gW2}


def check_gradients(params, a, b, y, grads, step=1e-5):
    worst = 0.0
    for name, w in params.items():
        g = grads[name]
        for idx in np.ndindex(w.shape):
            orig = w[idx]
            w[idx] = orig + step
            lp = loss_only(params, a, b, y)
            w[idx] = orig - step
            lm = loss_only(params, a, b, y)
            w[idx] = orig
            fd = (lp - lm) / (2.0 * step)
            denom = max(abs(fd), abs(g[idx]), 1e-8)
            worst = max(worst, abs(fd - g[idx]) / denom)
    return worst


def adamw_step(params, grads, t=1):
    new = {}
    for name, w in params.items():
        g = grads[name]
        m = (1.0 - BETA1) * g                # m0 = 0
        v = (1.0 - BETA2) * g * g            # v0 = 0
        mhat = m / (1.0 - BETA1 ** t)
        vhat = v / (1.0 - BETA2 ** t)
        w_new = w - LR * WEIGHT_DECAY * w
        w_new = w_new - LR * mhat / (np.sqrt(vhat) + EPS)
        new[name] = w_new
    return new


def main():
    a, b, y, params = make_instance()
    loss, grads = loss_and_grads(params, a, b, y)
    worst = check_gradients(params, a, b, y, grads)
    assert worst < 1e-6, f"gradient check failed: max relative error {worst:.3e}"

    norms = {k: float(np.sqrt(np.sum(g * g))) for k, g in grads.items()}
    total = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))
    updated = adamw_step(params, grads, t=1)
    loss_after = loss_only(updated, a, b, y)

    out = {
        "p": P,
        "hidden": HIDDEN,
        "train_a": [int(v) for v in a],
        "train_b": [int(v) for v in b],
        "train_y": [int(v) for v in y],
        "params": {k: params[k].tolist() for k in ("E1", "E2", "W2")},
        "hyper": {"lr": LR, "weight_decay": WEIGHT_DECAY, "beta1": BETA1, "beta2": BETA2, "eps": EPS},
        "loss": loss,
        "grad_norms": {k: norms[k] for k in ("E1", "E2", "W2")},
        "grad_norm_total": total,
        "updated_params": {k: updated[k].tolist() for k in ("E1", "E2", "W2")},
        "loss_after": loss_after,
    }
    os.makedirs(os.path.dirname(OUT_PATH), exist_ok=True)
    with open(OUT_PATH, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"n_train={len(y)} loss={loss!r} loss_after={loss_after!r} "
          f"grad_norm_total={total!r} max_fd_rel_err={worst:.2e}")
    print(f"wrote {OUT_PATH}")


if __name__ == "__main__":
    main()
