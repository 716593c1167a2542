"""The three benchmark models of Benchmarks/engine_vs_jax.sh, as data and shapes shared by the
JAX and PyTorch peers (peers_jax.py, peers_torch.py).

Each mirrors a trainscope preset's model and update exactly in shape and arithmetic; the data
are drawn here with numpy (the values do not change the cost of a step):

- grokking: `--preset grokking`. p = 97, 2822 training pairs (30%, full batch), two embedding
  tables 97×128, h = E_a[a] + E_b[b], logits = h²·Woutᵀ, mean cross-entropy, AdamW (lr 3e-3,
  weight decay 1, β = (0.9, 0.98)).
- transformer: `--preset transformer`. The same pairs as three tokens (a, b, =) with learned
  position embeddings (3×64), one pre-norm layer: layer norm (affine), 4-head attention read
  out at the last position only, residual, MLP 64→256→64 (ReLU), final layer norm, unembedding
  64→97; AdamW (lr 1e-3, weight decay 1, β = (0.9, 0.98)).
- eos: `--preset eos`. Full-batch regression of 512 Gaussian inputs (d = 16) with a 16→64→64→1
  tanh MLP, loss ½·mean squared error, plain gradient descent (lr 0.5).
"""
import numpy as np

P, TRAIN_FRACTION = 97, 0.3
GROKKING_HIDDEN = 128
TRANSFORMER_DIM, HEADS = 64, 4
EOS_INPUT, EOS_HIDDEN, EOS_SAMPLES = 16, 64, 512

ADAMW = {"grokking": (3e-3, 1.0, 0.9, 0.98, 1e-8), "transformer": (1e-3, 1.0, 0.9, 0.98, 1e-8)}
SGD_LR = 0.5
MODELS = ["grokking", "transformer", "eos"]


def pairs(rng):
    """Training pairs (a, b) and labels (a + b) mod p, int64 arrays of 2822."""
    all_pairs = np.array([(a, b) for a in range(P) for b in range(P)], dtype=np.int64)
    order = rng.permutation(len(all_pairs))[: int(TRAIN_FRACTION * len(all_pairs))]
    a, b = all_pairs[order, 0], all_pairs[order, 1]
    return a, b, (a + b) % P


def linear(rng, outputs, inputs, bias=True):
    """PyTorch's default initialization: U(±1/√in) weights [out, in], zero bias [out]."""
    bound = inputs ** -0.5
    weight = rng.uniform(-bound, bound, (outputs, inputs)).astype(np.float32)
    return (weight, np.zeros(outputs, np.float32)) if bias else (weight,)


def parameters(model, rng):
    """Initial parameters by name, float32 numpy arrays in PyTorch's layouts."""
    if model == "grokking":
        return {"embed_a": rng.normal(0, 1, (P, GROKKING_HIDDEN)).astype(np.float32),
                "embed_b": rng.normal(0, 1, (P, GROKKING_HIDDEN)).astype(np.float32),
                "out": linear(rng, P, GROKKING_HIDDEN, bias=False)[0]}
    if model == "transformer":
        d, hd = TRANSFORMER_DIM, TRANSFORMER_DIM // HEADS
        w = {"embed": rng.normal(0, d ** -0.5, (P + 1, d)).astype(np.float32),
             "position": rng.normal(0, d ** -0.5, (3, d)).astype(np.float32)}
        for name in ["ln1", "ln2", "ln_f"]:
            w[f"{name}.weight"], w[f"{name}.bias"] = np.ones(d, np.float32), np.zeros(d, np.float32)
        for part in ["query", "key", "value"]:  # heads stacked: [heads, hd, d]
            w[f"attn.{part}"] = np.stack([linear(rng, hd, d, bias=False)[0] for _ in range(HEADS)])
        w["attn.output"] = np.stack([linear(rng, d, hd, bias=False)[0] for _ in range(HEADS)])  # [heads, d, hd]
        w["mlp.in.weight"], w["mlp.in.bias"] = linear(rng, 4 * d, d)
        w["mlp.out.weight"], w["mlp.out.bias"] = linear(rng, d, 4 * d)
        w["unembed"] = linear(rng, P, d, bias=False)[0]
        return w
    w = {}
    for i, (fan_in, fan_out) in enumerate([(EOS_INPUT, EOS_HIDDEN), (EOS_HIDDEN, EOS_HIDDEN), (EOS_HIDDEN, 1)]):
        w[f"fc{i + 1}.weight"], w[f"fc{i + 1}.bias"] = linear(rng, fan_out, fan_in)
    return w


def data(model, rng):
    """The batch: (a, b, labels) for the token models, (x [512, 16], y [512, 1]) for eos."""
    if model == "eos":
        x = rng.normal(0, 1, (EOS_SAMPLES, EOS_INPUT)).astype(np.float32)
        return x, np.tanh(x[:, :1]).astype(np.float32)
    return pairs(rng)
