"""Independent numpy reference for FourierAnalysis (Nanda et al.'s progress measures).

Reads checkpoint.safetensors (a small grokking MLP: p = 13, hidden 16, saved by
`trainscope run --headless --set p=13 --set hidden=16 --set train_fraction=0.5 --set lr=0.01
--steps 600 --checkpoint-dir DIR`), recomputes the model's logits over every pair with its own
forward pass, and writes expected.json: the embedding spectrum, the key frequencies, the circuit
share, and the restricted and excluded losses. Run: python3 make_expected.py
"""
import json
import pathlib
import struct

import numpy as np

HERE = pathlib.Path(__file__).parent
KEY_POWER = 0.9


def load(path):
    raw = path.read_bytes()
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + size])
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = {"F32": np.float32, "F64": np.float64, "I32": np.int32}[info["dtype"]]
        tensors[name] = np.frombuffer(raw[8 + size + start:8 + size + end], dtype=dtype).reshape(info["shape"])
    return tensors


def cross_entropy(logits, labels):
    top = logits.max(axis=-1, keepdims=True)
    lse = top[..., 0] + np.log(np.exp(logits - top).sum(axis=-1))
    return lse - np.take_along_axis(logits, labels[..., None], axis=-1)[..., 0]


def main():
    t = load(HERE / "checkpoint.safetensors")
    ea, eb, w = (t[n].astype(np.float64) for n in ("embed_a.weight", "embed_b.weight", "out.weight"))
    p = ea.shape[0]
    a, b = np.arange(p)[:, None], np.arange(p)[None, :]
    logits = ((ea[a] + eb[b]) ** 2) @ w.T            # [p, p, p]: the square-activation MLP, no output bias
    s = (a + b) % p

    ks = np.arange(p // 2 + 1)
    phase = np.exp(-2j * np.pi * np.outer(ks, np.arange(p)) / p)      # [K, p]
    spectrum = np.sqrt(sum((np.abs(phase @ e) ** 2).sum(axis=1) for e in (ea, eb)))

    centred = logits - logits.mean(axis=(0, 1))
    power, parts = {}, {}
    for k in range(1, p // 2 + 1):
        cos, sin = np.cos(2 * np.pi * k * s / p), np.sin(2 * np.pi * k * s / p)   # [p, p] directions over the pairs
        alpha = np.einsum("abc,ab->c", logits, cos) / (cos ** 2).sum()
        beta = np.einsum("abc,ab->c", logits, sin) / (sin ** 2).sum()
        parts[k] = cos[..., None] * alpha + sin[..., None] * beta                # [p, p, p]
        power[k] = (parts[k] ** 2).sum()
    total = sum(power.values())
    keys, carried = [], 0.0
    for k in sorted(power, key=lambda k: (-power[k], k)):
        if carried >= KEY_POWER * total and keys:
            break
        keys.append(k)
        carried += power[k]
    key_part = sum(parts[k] for k in keys)
    restricted = cross_entropy(logits.mean(axis=(0, 1)) + key_part, s).mean()
    train = t["data.train_indices"]
    excluded = cross_entropy((logits - key_part)[train // p, train % p], s[train // p, train % p]).mean()
    expected = {
        "p": p,
        "spectrum": spectrum.tolist(),
        "key_frequencies": keys,
        "circuit_share": float(total / (centred ** 2).sum()),
        "restricted_loss": float(restricted),
        "excluded_loss": float(excluded),
    }
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    main()
