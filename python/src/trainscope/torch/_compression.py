"""Compression fronts of a PyTorch model: pruned and quantized copies scored by the user's eval function.

The plan, labels, sizes and the ``pareto`` event come from :mod:`trainscope.compression`; this
module only compresses tensors and evaluates the model with them substituted, through
:func:`torch.func.functional_call`, so the model itself is never written to.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import torch
from torch import nn
from torch.func import functional_call

from ..compression import (
    ENGINE_BIT_WIDTHS,
    ENGINE_SPARSITIES,
    SCOPES,
    CompressionFront,
    Probe,
    TensorCount,
    probe_plan,
    prune_count,
    run_probes,
)

__all__ = ["compression_front", "default_include", "pruned", "quantized"]


def default_include(name: str, parameter: torch.Tensor) -> bool:
    """Compress weight matrices, embedding tables and convolution kernels: floating tensors with ``ndim >= 2``.

    Biases and normalization scales (1-D) stay dense, as the engine keeps them.
    """
    return parameter.ndim >= 2 and parameter.is_floating_point()


def _work(w: torch.Tensor) -> torch.Tensor:
    # Half-precision weights are rounded in float32 at least, so the grid is computed exactly
    # enough; the result goes back to the weight's dtype.
    return w.detach().to(torch.promote_types(w.dtype, torch.float32))


def quantized(w: torch.Tensor, bits: int, scheme: str = "affine") -> torch.Tensor:
    """A new tensor (shape of ``w``) fake-quantized per tensor to ``bits`` bits.

    ``affine`` (the engine's): ``2^bits`` evenly spaced levels from ``w.min()`` to ``w.max()``,
    rounded half up. ``symmetric``: ``round(w / s)`` clamped to ``±(2^(bits-1) - 1)``, times
    ``s = max|w| / (2^(bits-1) - 1)`` (``torch.round``: halves to even). A constant tensor (or one
    with a NaN) comes back unchanged. There is no per-channel variant: the engine's grid is per tensor.
    """
    x = _work(w)
    if scheme == "affine":
        low, high = x.min(), x.max()
        if not bool(high > low):
            return w.detach().clone()
        step = (high - low) / ((1 << bits) - 1)
        q = low + torch.floor((x - low) / step + 0.5) * step
    elif scheme == "symmetric":
        half = (1 << (bits - 1)) - 1
        amax = x.abs().max()
        if half < 1 or not bool(amax > 0):
            return w.detach().clone()
        scale = amax / half
        q = torch.clamp(torch.round(x / scale), -half, half) * scale
    else:
        raise ValueError(f"scheme must be 'affine' or 'symmetric', got {scheme!r}")
    return q.to(w.dtype)


def _orders(weights: Sequence[torch.Tensor], scope: str) -> List[torch.Tensor]:
    """Flat positions by increasing magnitude, ties by position: one order over all (global) or one per tensor."""
    if scope == "global":
        device = weights[0].device
        magnitudes = torch.cat([w.detach().abs().reshape(-1).to(device) for w in weights])
        return [torch.sort(magnitudes, stable=True).indices]
    return [torch.sort(w.detach().abs().reshape(-1), stable=True).indices for w in weights]


def pruned(
    weights: Sequence[torch.Tensor], sparsity: float, scope: str = "global", orders: Optional[Sequence[torch.Tensor]] = None
) -> List[torch.Tensor]:
    """New tensors (shapes of ``weights``) with the ``round(sparsity · n)`` smallest-magnitude entries zeroed.

    ``global``: n and the ranking over all tensors together; ``layer``: each tensor with its own n.
    Ties are broken by position, so exactly that many entries are zeroed. ``orders`` (from a
    previous call's ranking, reused across sparsities) saves the sort.
    """
    ranked = list(orders) if orders is not None else _orders(weights, scope)
    groups: List[List[torch.Tensor]] = [list(weights)] if scope == "global" else [[w] for w in weights]
    out: List[torch.Tensor] = []
    for group, order in zip(groups, ranked):
        sizes = [w.numel() for w in group]
        keep = torch.ones(sum(sizes), dtype=torch.bool, device=order.device)
        keep[order[: prune_count(sparsity, len(order))]] = False
        for w, part in zip(group, torch.split(keep, sizes)):
            out.append(w.detach().masked_fill(~part.view(w.shape).to(w.device), 0))
    return out


class _Evaluation(nn.Module):
    """Runs ``eval_fn(model)`` as its forward, so functional_call substitutes parameters for the whole call."""

    def __init__(self, model: nn.Module, eval_fn: Callable[[nn.Module], Any]) -> None:
        super().__init__()
        self.model = model
        self._eval_fn = eval_fn

    def forward(self) -> Any:
        return self._eval_fn(self.model)


def compression_front(
    model: nn.Module,
    eval_fn: Callable[[nn.Module], Any],
    sparsities: Iterable[float] = ENGINE_SPARSITIES,
    bits: Iterable[int] = ENGINE_BIT_WIDTHS,
    *,
    step: Optional[int] = None,
    client: Any = None,
    scope: Union[str, Sequence[str]] = SCOPES,
    include: Optional[Callable[[str, torch.Tensor], bool]] = None,
    metric: str = "test/acc",
    direction: Optional[str] = None,
    scheme: str = "affine",
    reference: Union[str, Sequence[float], None] = "auto",
    overhead: bool = False,
) -> CompressionFront:
    """Scores pruned and quantized versions of ``model`` with ``eval_fn`` and sends them as one ``pareto`` event.

    The round is the engine's probe round: the dense model, magnitude pruning at each sparsity
    (``global``: one threshold over all compressible weights; ``layer``: each tensor at the same
    fraction), and per-tensor uniform fake quantization at each bit width. Call it every N steps
    of training and the dashboard's Pareto panel shows the front move, round by round.

    Args:
        model: the model; it is never written to. Its compressible parameters (``include``) are
            replaced, for the duration of each ``eval_fn`` call, by compressed copies through
            :func:`torch.func.functional_call`, and its buffers by copies; its parameters, their
            ``.grad``, buffers and every submodule's ``training`` flag are the same afterwards.
            (The substitution is visible to anything else running ``model`` meanwhile: do not
            call this while another thread uses the model.)
        eval_fn: ``eval_fn(model) -> metric`` or a mapping of metrics holding ``metric``. Called once
            per candidate, on ``model`` in eval mode under :func:`torch.no_grad`; it should compute
            on a fixed evaluation set (e.g. test accuracy, or ``{"test/acc": ..., "test/loss": ...}``).
        sparsities: fractions in (0, 1) to prune (default: the engine's 0.5, 0.7, 0.8, 0.9, 0.95, 0.98).
        bits: bit widths to quantize to (default: the engine's 8, 6, 4, 3, 2).
        step: the training step the front is sent at (required with ``client``).
        client: a :class:`trainscope.Client`; the front is sent as a ``pareto`` event with objectives
            ``model_bits`` (min) and ``metric``, plus its cost as the scalar ``probe/seconds``.
        scope: ``"global"``, ``"layer"`` or both (default both; labels say ``layer-wise``).
        include: ``include(name, parameter) -> bool`` picks the compressible parameters (names from
            ``named_parameters``); default :func:`default_include` (floating tensors with ndim ≥ 2).
        metric: the quality objective's name (default ``test/acc``).
        direction: ``"max"`` or ``"min"`` for ``metric``; default ``"min"`` for names with ``loss``
            or ``error`` in their last part, else ``"max"``.
        scheme: ``"affine"`` (the engine's min-to-max grid) or ``"symmetric"`` (see :func:`quantized`).
        reference: ``"auto"`` (``[1.1 × dense bits, 0]`` for a non-negative maximized metric, else
            none), None, or two values.
        overhead: count pruning masks and quantization scales in the sizes (the engine does not).

    Returns:
        A :class:`trainscope.compression.CompressionFront`: ``points`` (dense first, each with
        ``label``, ``bits``, ``value``, ``metrics`` and ``seconds``), ``reference`` and ``seconds``
        (the whole round's wall-clock cost). Points whose metric is not finite are returned but
        not sent (a consumer refuses such an event).

    Raises:
        ValueError: no compressible parameter, an invalid plan, a client without a step, or an
        ``eval_fn`` result without ``metric``.
    """
    pick = include if include is not None else default_include
    named = list(model.named_parameters())  # shared (tied) parameters appear once
    chosen = [(name, p) for name, p in named if pick(name, p)]
    if not chosen:
        raise ValueError("compression_front: no compressible parameter (see include=)")
    names = [name for name, _ in chosen]
    weights = [p.detach() for _, p in chosen]
    chosen_names = set(names)
    element_bits = {p.element_size() * 8 for p in weights}
    plan = probe_plan(sparsities, bits, scope, scheme=scheme, dense_bits=max(element_bits))
    orders: Dict[str, List[torch.Tensor]] = {}  # one sort per scope per round, reused across sparsities
    harness = _Evaluation(model, eval_fn)

    def substitutes(probe: Probe) -> List[torch.Tensor]:
        if probe.kind == "prune":
            if probe.scope not in orders:
                orders[probe.scope] = _orders(weights, probe.scope)
            return pruned(weights, probe.sparsity, probe.scope, orders[probe.scope])
        if probe.kind == "quantize":
            return [quantized(w, probe.bits, scheme) for w in weights]
        return []

    def score(probe: Probe) -> Tuple[List[TensorCount], Any]:
        compressed = substitutes(probe)
        counts = [
            TensorCount(p.numel(), p.numel(), False, p.element_size() * 8) for name, p in named if name not in chosen_names
        ]
        for w, c in zip(weights, compressed or weights):
            nonzero = int(torch.count_nonzero(c)) if probe.kind == "prune" else c.numel()
            counts.append(TensorCount(w.numel(), nonzero, True, w.element_size() * 8))
        replaced = {"model." + name: c for name, c in zip(names, compressed)}
        return counts, _evaluate(model, harness, replaced)

    return run_probes(
        plan, score, metric=metric, direction=direction, step=step, client=client,
        reference=reference, scheme=scheme, overhead=overhead,
    )


def _evaluate(model: nn.Module, harness: _Evaluation, replaced: Dict[str, torch.Tensor]) -> Any:
    """``eval_fn(model)`` in eval mode without gradients, with ``replaced`` standing in; every mode restored."""
    # Buffers stand in as copies too: an eval_fn that runs in train mode (batch norm's running
    # statistics) or writes a cache then writes those, never the model's own.
    stand_ins = {"model." + name: b.clone() for name, b in model.named_buffers()}
    stand_ins.update(replaced)
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        with torch.no_grad():
            return functional_call(harness, stand_ins, ())
    finally:
        # Set each flag directly: train(mode) recurses, and eval_fn may have changed some.
        for module, training in modes:
            module.training = training
