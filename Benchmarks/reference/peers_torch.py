"""PyTorch (CPU) training steps of the benchmark models (peer_models.py), for engine_vs_jax.sh:
eager, or with --compile the whole step (forward, backward, update) under torch.compile.

Usage: peers_torch.py --model grokking|transformer|eos [--steps N] [--threads T] [--compile]
Prints `torch_steps_per_s N` after a warm-up (compilation excluded).
"""
import argparse
import time

import numpy as np
import torch

import peer_models

parser = argparse.ArgumentParser()
parser.add_argument("--model", choices=peer_models.MODELS, required=True)
parser.add_argument("--steps", type=int, default=300)
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--compile", action="store_true")
args = parser.parse_args()
torch.set_num_threads(args.threads)

rng = np.random.default_rng(0)
params = {k: torch.tensor(v, requires_grad=True) for k, v in peer_models.parameters(args.model, rng).items()}
batch = [torch.from_numpy(v) for v in peer_models.data(args.model, rng)]
F = torch.nn.functional


def layer_norm(x, name):
    return F.layer_norm(x, x.shape[-1:], params[f"{name}.weight"], params[f"{name}.bias"], eps=1e-5)


def loss_fn():
    w = params
    if args.model == "grokking":
        a, b, y = batch
        h = w["embed_a"][a] + w["embed_b"][b]
        return F.cross_entropy((h * h) @ w["out"].T, y)
    if args.model == "transformer":
        a, b, y = batch
        tokens = torch.stack([a, b, torch.full_like(a, peer_models.P)], dim=1)
        x = w["embed"][tokens] + w["position"][None]
        normed = layer_norm(x, "ln1")
        q = torch.einsum("nd,hkd->nhk", normed[:, 2], w["attn.query"])
        k = torch.einsum("ntd,hkd->nthk", normed, w["attn.key"])
        v = torch.einsum("ntd,hkd->nthk", normed, w["attn.value"])
        scores = torch.einsum("nhk,nthk->nht", q, k) / q.shape[-1] ** 0.5
        mixed = torch.einsum("nht,nthk->nhk", scores.softmax(-1), v)
        residual = x[:, 2] + torch.einsum("nhk,hdk->nd", mixed, w["attn.output"])
        inner = F.relu(F.linear(layer_norm(residual, "ln2"), w["mlp.in.weight"], w["mlp.in.bias"]))
        hidden = residual + F.linear(inner, w["mlp.out.weight"], w["mlp.out.bias"])
        return F.cross_entropy(layer_norm(hidden, "ln_f") @ w["unembed"].T, y)
    x, y = batch
    for i in (1, 2):
        x = torch.tanh(F.linear(x, w[f"fc{i}.weight"], w[f"fc{i}.bias"]))
    return 0.5 * F.mse_loss(F.linear(x, w["fc3.weight"], w["fc3.bias"]), y)


if args.model == "eos":
    optimizer = torch.optim.SGD(params.values(), lr=peer_models.SGD_LR)
else:
    lr, wd, b1, b2, eps = peer_models.ADAMW[args.model]
    optimizer = torch.optim.AdamW(params.values(), lr=lr, weight_decay=wd, betas=(b1, b2), eps=eps)


def train_step():
    optimizer.zero_grad(set_to_none=True)
    loss = loss_fn()
    loss.backward()
    optimizer.step()
    return loss


step = torch.compile(train_step) if args.compile else train_step
for _ in range(20):  # warm-up: compile and settle
    loss = step()
start = time.perf_counter()
for _ in range(args.steps):
    loss = step()
float(loss)
print(f"torch_steps_per_s {args.steps / (time.perf_counter() - start):.1f}")
print(f"torch_version {torch.__version__}")
