"""Compression fronts of a JAX model: pruned and quantized copies of a parameter pytree, scored by the user.

The plan, labels, sizes and the ``pareto`` event come from :mod:`trainscope.compression`; this
module only compresses leaves. JAX arrays are immutable, so the caller's pytree cannot change.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import itertools

import jax
import jax.numpy as jnp

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

__all__ = ["compression_front", "default_include", "leaf_name", "magnitude_ranks", "pruned", "quantized"]


def leaf_name(path: Sequence[Any]) -> str:
    """A pytree key path as a dotted name, like PyTorch's: ``{"dense": {"w": ...}}`` → ``dense.w``, list items by index."""
    parts = []
    for key in path:
        for attribute in ("key", "idx", "name"):  # DictKey, SequenceKey/FlattenedIndexKey, GetAttrKey
            if hasattr(key, attribute):
                parts.append(str(getattr(key, attribute)))
                break
        else:
            parts.append(str(key))
    return ".".join(parts)


def default_include(name: str, leaf: jax.Array) -> bool:
    """Compress weight matrices, embedding tables and kernels: floating leaves with ``ndim >= 2``; biases stay dense."""
    return jnp.ndim(leaf) >= 2 and jnp.issubdtype(jnp.result_type(leaf), jnp.floating)


def _work(w: jax.Array) -> jax.Array:
    # Half-precision leaves are rounded in float32 at least; the result goes back to the leaf's dtype.
    return w.astype(jnp.promote_types(w.dtype, jnp.float32))


# The kernels are jitted with the bit width and the pruned count as traced values: eager jnp ops
# would compile once per distinct slice or scalar, seconds per round; these compile once per shape.
@jax.jit
def _affine(w: jax.Array, levels: jax.Array) -> jax.Array:
    x = _work(w)
    low, high = jnp.min(x), jnp.max(x)
    spread = high > low  # false for a constant leaf, or one with a NaN: it stays as it is
    step = jnp.where(spread, (high - low) / levels, 1)
    q = low + jnp.floor((x - low) / step + 0.5) * step
    return jnp.where(spread, q, x).astype(w.dtype)


@jax.jit
def _symmetric(w: jax.Array, half: jax.Array) -> jax.Array:
    x = _work(w)
    amax = jnp.max(jnp.abs(x))
    spread = amax > 0
    scale = jnp.where(spread, amax / half, 1)
    q = jnp.clip(jnp.round(x / scale), -half, half) * scale
    return jnp.where(spread, q, x).astype(w.dtype)


@jax.jit
def _drop_below(w: jax.Array, rank: jax.Array, count: jax.Array) -> jax.Array:
    return jnp.where(rank >= count, w, jnp.zeros((), w.dtype))


def quantized(w: jax.Array, bits: int, scheme: str = "affine") -> jax.Array:
    """A copy of ``w`` (same shape) fake-quantized per tensor to ``bits`` bits.

    ``affine`` (the engine's): ``2^bits`` evenly spaced levels from ``w.min()`` to ``w.max()``,
    rounded half up. ``symmetric``: ``round(w / s)`` clamped to ``±(2^(bits-1) - 1)``, times
    ``s = max|w| / (2^(bits-1) - 1)`` (``jnp.round``: halves to even). A constant leaf (or one with
    a NaN) comes back unchanged. There is no per-channel variant: the engine's grid is per tensor.
    """
    w = jnp.asarray(w)
    half = (1 << (bits - 1)) - 1
    result: jax.Array
    if scheme == "affine":
        result = _affine(w, jnp.float32((1 << bits) - 1))
    elif scheme == "symmetric":
        result = _symmetric(w, jnp.float32(half)) if half >= 1 else w
    else:
        raise ValueError(f"scheme must be 'affine' or 'symmetric', got {scheme!r}")
    return result


def _stable_argsort(x: jax.Array) -> jax.Array:
    """Positions of ``x`` ``[n]`` in increasing order, equal values by position."""
    try:
        return jnp.argsort(x, stable=True)
    except TypeError:  # older jax has no `stable` keyword: its argsort is always stable
        return jnp.argsort(x)


def magnitude_ranks(weights: Sequence[jax.Array], scope: str = "global") -> List[jax.Array]:
    """Each entry's place (0 = smallest magnitude) in its group, shaped like its leaf; ties by position.

    ``global`` ranks all leaves together, ``layer`` each leaf on its own. Pruning at any sparsity
    then zeroes the entries ranked below ``round(sparsity · n)``: one sort per round.
    """
    groups = [list(weights)] if scope == "global" else [[w] for w in weights]
    out: List[jax.Array] = []
    for group in groups:
        magnitudes = jnp.concatenate([jnp.abs(w).reshape(-1) for w in group])
        order = _stable_argsort(magnitudes)
        ranks = jnp.zeros_like(order).at[order].set(jnp.arange(order.shape[0], dtype=order.dtype))
        bounds = list(itertools.accumulate(int(jnp.size(w)) for w in group))[:-1]
        out.extend(r.reshape(jnp.shape(w)) for w, r in zip(group, jnp.split(ranks, bounds)))
    return out


def pruned(
    weights: Sequence[jax.Array], sparsity: float, scope: str = "global", ranks: Optional[Sequence[jax.Array]] = None
) -> List[jax.Array]:
    """Copies of ``weights`` (same shapes) with the ``round(sparsity · n)`` smallest-magnitude entries zeroed.

    ``global``: n and the ranking over all leaves together; ``layer``: each leaf with its own n.
    Ties are broken by position, so exactly that many entries are zeroed. ``ranks`` (from
    :func:`magnitude_ranks` for the same scope, reused across sparsities) saves the sort.
    """
    ranked = list(ranks) if ranks is not None else magnitude_ranks(weights, scope)
    total = sum(int(jnp.size(w)) for w in weights)
    out: List[jax.Array] = []
    for w, rank in zip(weights, ranked):
        count = prune_count(sparsity, total if scope == "global" else int(jnp.size(w)))
        out.append(_drop_below(jnp.asarray(w), rank, jnp.asarray(count, rank.dtype)))
    return out


def compression_front(
    params: Any,
    eval_fn: Callable[[Any], Any],
    sparsities: Iterable[float] = ENGINE_SPARSITIES,
    bits: Iterable[int] = ENGINE_BIT_WIDTHS,
    *,
    step: Optional[int] = None,
    client: Any = None,
    scope: Union[str, Sequence[str]] = SCOPES,
    include: Optional[Callable[[str, jax.Array], bool]] = None,
    metric: str = "test/acc",
    direction: Optional[str] = None,
    scheme: str = "affine",
    reference: Union[str, Sequence[float], None] = "auto",
    overhead: bool = False,
) -> CompressionFront:
    """Scores pruned and quantized copies of the pytree ``params`` with ``eval_fn`` and sends them as one ``pareto`` event.

    The round is the engine's probe round: the dense parameters, magnitude pruning at each
    sparsity (``global``: one threshold over all compressible leaves; ``layer``: each leaf at the
    same fraction), and per-tensor uniform fake quantization at each bit width. Call it every N
    steps of training and the dashboard's Pareto panel shows the front move, round by round.

    Args:
        params: the parameter pytree (dicts, lists, tuples, registered nodes of arrays); not changed.
        eval_fn: ``eval_fn(params) -> metric`` or a mapping of metrics holding ``metric``, called once
            per candidate with a pytree of the same structure, shapes and dtypes (a jitted function
            is not recompiled); it should compute on a fixed evaluation set.
        sparsities: fractions in (0, 1) to prune (default: the engine's 0.5, 0.7, 0.8, 0.9, 0.95, 0.98).
        bits: bit widths to quantize to (default: the engine's 8, 6, 4, 3, 2).
        step: the training step the front is sent at (required with ``client``).
        client: a :class:`trainscope.Client`; the front is sent as a ``pareto`` event with objectives
            ``model_bits`` (min) and ``metric``, plus its cost as the scalar ``probe/seconds``.
        scope: ``"global"``, ``"layer"`` or both (default both; labels say ``layer-wise``).
        include: ``include(name, leaf) -> bool`` picks the compressible leaves (names: dotted key
            paths, :func:`leaf_name`); default :func:`default_include` (floating leaves with ndim ≥ 2).
        metric: the quality objective's name (default ``test/acc``).
        direction: ``"max"`` or ``"min"`` for ``metric``; default ``"min"`` for names with ``loss``
            or ``error`` in their last part, else ``"max"``.
        scheme: ``"affine"`` (the engine's min-to-max grid) or ``"symmetric"`` (see :func:`quantized`).
        reference: ``"auto"`` (``[1.1 × dense bits, 0]`` for a non-negative maximized metric, else
            none), None, or two values.
        overhead: count pruning masks and quantization scales in the sizes (the engine does not).

    Returns:
        A :class:`trainscope.compression.CompressionFront` (see :func:`trainscope.torch.compression_front`).

    Raises:
        ValueError: no compressible leaf, an invalid plan, a client without a step, or an
        ``eval_fn`` result without ``metric``.
    """
    pick = include if include is not None else default_include
    pathed, treedef = jax.tree_util.tree_flatten_with_path(params)
    leaves = [leaf for _, leaf in pathed]
    chosen = [i for i, (path, leaf) in enumerate(pathed) if pick(leaf_name(path), leaf)]
    if not chosen:
        raise ValueError("compression_front: no compressible leaf (see include=)")
    chosen_set = set(chosen)
    weights = [jnp.asarray(leaves[i]) for i in chosen]
    element_bits = [jnp.result_type(w).itemsize * 8 for w in weights]
    others = [
        TensorCount(int(jnp.size(leaf)), int(jnp.size(leaf)), False, jnp.result_type(leaf).itemsize * 8)
        for i, leaf in enumerate(leaves)
        if i not in chosen_set
    ]
    plan = probe_plan(sparsities, bits, scope, scheme=scheme, dense_bits=max(element_bits))
    ranks: Dict[str, List[jax.Array]] = {}  # one sort per scope per round, reused across sparsities

    def substitutes(probe: Probe) -> List[jax.Array]:
        if probe.kind == "prune":
            if probe.scope not in ranks:
                ranks[probe.scope] = magnitude_ranks(weights, probe.scope)
            return pruned(weights, probe.sparsity, probe.scope, ranks[probe.scope])
        if probe.kind == "quantize":
            return [quantized(w, probe.bits, scheme) for w in weights]
        return list(weights)

    def score(probe: Probe) -> Tuple[List[TensorCount], Any]:
        compressed = substitutes(probe)
        counts = list(others)
        for w, c, b in zip(weights, compressed, element_bits):
            nonzero = int(jnp.count_nonzero(c)) if probe.kind == "prune" else int(jnp.size(c))
            counts.append(TensorCount(int(jnp.size(w)), nonzero, True, b))
        new_leaves = list(leaves)
        for i, c in zip(chosen, compressed):
            new_leaves[i] = c
        candidate = params if probe.kind == "dense" else jax.tree_util.tree_unflatten(treedef, new_leaves)
        return counts, eval_fn(candidate)

    return run_probes(
        plan, score, metric=metric, direction=direction, step=step, client=client,
        reference=reference, scheme=scheme, overhead=overhead,
    )
