"""Compression fronts without a framework: the probe plan, labels, model bits and the ``pareto`` event.

The built-in engine's probe round (``Sources/Training/CompressionProbe.swift``) scores a model's
dense weights, magnitude-pruned copies (global and per layer) and uniformly quantized copies as
points of (model bits ↓, quality), and sends them as one ``pareto`` event. :mod:`trainscope.torch`
and :mod:`trainscope.jax` compress tensors; everything else lives here, in the standard library,
so that a PyTorch or JAX front is labelled, sized and referenced exactly like the engine's:

* labels ``"dense 32-bit"``, ``"prune 90% global"``, ``"prune 90% layer-wise"``, ``"4-bit"``;
* objectives ``model_bits`` (min) and the quality metric (``test/acc``, max, by default);
* model bits, as the engine counts them: every tensor at its element bits (32 for float32), a
  pruned compressible tensor only by its non-zero entries, a quantized one at ``b`` bits per entry;
  no mask, index, scale or offset overhead unless ``overhead=True`` (see :func:`model_bits`);
* the hypervolume reference ``[1.1 × dense bits, 0]`` for a maximized metric that is never negative
  (accuracy), none otherwise: the dashboard then fixes one from the run's first front.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

#: The engine's pruning sparsities (``CompressionProbe.sparsities``): the default plan.
ENGINE_SPARSITIES: Tuple[float, ...] = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98)
#: The engine's quantization bit widths (``CompressionProbe.bitWidths``): the default plan.
ENGINE_BIT_WIDTHS: Tuple[int, ...] = (8, 6, 4, 3, 2)
#: Pruning scopes: one magnitude threshold over all compressible weights, or each tensor on its own.
SCOPES: Tuple[str, ...] = ("global", "layer")
#: Quantization schemes: ``affine`` is the engine's (``2^b`` levels from a tensor's min to its max),
#: ``symmetric`` rounds to ``2^(b-1) - 1`` levels each side of zero (``2^b - 1`` values).
SCHEMES: Tuple[str, ...] = ("affine", "symmetric")
#: The objective the model's size is reported under (the engine's name).
BITS_OBJECTIVE = "model_bits"
#: The scalar a front's wall-clock cost is logged as, at the front's step.
COST_METRIC = "probe/seconds"

# Labels name the per-layer scope as the engine does.
_SCOPE_LABELS = {"global": "global", "layer": "layer-wise"}


def _round_half_up(x: float) -> int:
    """Rounds to the nearest integer, halves away from zero for x ≥ 0, as Swift's ``rounded()``.

    Python's ``round`` rounds halves to even; the engine's counts and labels do not.
    """
    return int(math.floor(x + 0.5))


@dataclass(frozen=True)
class Probe:
    """One candidate of a probe round: the dense model, a pruning, or a quantization."""

    kind: str  #: ``"dense"``, ``"prune"`` or ``"quantize"``
    sparsity: float = 0.0  #: pruned fraction of the compressible weights, for ``prune``
    scope: str = "global"  #: ``"global"`` or ``"layer"``, for ``prune``
    bits: int = 32  #: bits per compressible weight, for ``quantize``

    @property
    def label(self) -> str:
        """The engine's label: ``"dense 32-bit"``, ``"prune 90% layer-wise"``, ``"4-bit"``."""
        if self.kind == "prune":
            return f"prune {_round_half_up(self.sparsity * 100)}% {_SCOPE_LABELS[self.scope]}"
        if self.kind == "quantize":
            return f"{self.bits}-bit"
        return f"dense {self.bits}-bit"


def normalize_scope(scope: Union[str, Sequence[str]]) -> List[str]:
    """The scopes asked for, as ``"global"``/``"layer"`` (``"layer-wise"`` accepted), in order, once each."""
    names = [scope] if isinstance(scope, str) else list(scope)
    out: List[str] = []
    for name in names:
        canonical = "layer" if name == "layer-wise" else name
        if canonical not in SCOPES:
            raise ValueError(f"scope must be 'global' or 'layer', got {name!r}")
        if canonical not in out:
            out.append(canonical)
    return out


def probe_plan(
    sparsities: Iterable[float] = ENGINE_SPARSITIES,
    bits: Iterable[int] = ENGINE_BIT_WIDTHS,
    scope: Union[str, Sequence[str]] = SCOPES,
    *,
    scheme: str = "affine",
    dense_bits: int = 32,
) -> List[Probe]:
    """The probes of one round, in the engine's order: dense, pruning per scope per sparsity, quantization.

    Args:
        sparsities: fractions in (0, 1) of the compressible weights set to zero.
        bits: bit widths, 1…16 (2…16 for the ``symmetric`` scheme, whose 1-bit grid is only zero).
        scope: ``"global"``, ``"layer"`` or both; empty: no pruning probes.
        scheme: the quantization scheme (only checked here: bit widths it cannot represent are refused).
        dense_bits: the element bits of the uncompressed weights, for the dense label.

    Raises:
        ValueError: a sparsity outside (0, 1), a bit width out of range, an unknown scope or scheme.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    plan = [Probe("dense", bits=dense_bits)]
    levels: List[float] = []
    for s in sparsities:
        s = float(s)
        if not 0.0 < s < 1.0:
            raise ValueError(f"sparsity must be in (0, 1), got {s!r}")
        if s not in levels:
            levels.append(s)
    for name in normalize_scope(scope):
        plan.extend(Probe("prune", sparsity=s, scope=name) for s in levels)
    lowest = 2 if scheme == "symmetric" else 1
    widths: List[int] = []
    for b in bits:
        if isinstance(b, bool) or int(b) != b or not lowest <= int(b) <= 16:
            raise ValueError(f"bits must be integers in {lowest}…16 for the {scheme} scheme, got {b!r}")
        if int(b) not in widths:
            widths.append(int(b))
    plan.extend(Probe("quantize", bits=b) for b in widths)
    return plan


def prune_count(sparsity: float, count: int) -> int:
    """How many of ``count`` weights a pruning at ``sparsity`` zeroes: ``round(sparsity · count)``, halves up."""
    return min(count, max(0, _round_half_up(sparsity * count)))


def quantization_levels(bits: int, scheme: str = "affine") -> int:
    """The most distinct values a tensor quantized at ``bits`` can hold: ``2^b`` (affine), ``2^b - 1`` (symmetric)."""
    if scheme == "affine":
        return 1 << bits
    if scheme == "symmetric":
        return (1 << bits) - 1
    raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")


@dataclass(frozen=True)
class TensorCount:
    """What the size of one compressed parameter tensor depends on."""

    count: int  #: entries
    nonzero: int  #: entries that are not zero after compression
    compressible: bool  #: whether probes compress it (weight matrices, embeddings)
    element_bits: int = 32  #: bits per entry when stored uncompressed (32 for float32)


def model_bits(tensors: Iterable[TensorCount], probe: Probe, *, scheme: str = "affine", overhead: bool = False) -> int:
    """Bits to store a model compressed by ``probe``, counted as the engine counts them.

    Tensors that are not compressible always count ``count × element_bits``. Compressible ones:
    dense ``count × element_bits``; pruned ``nonzero × element_bits`` (the engine's count: the
    positions of the survivors are free); quantized ``count × bits``.

    With ``overhead=True`` the stored extras are counted too: a pruned compressible tensor adds a
    one-bit mask per entry, a quantized one its per-tensor scale (``element_bits``), and for the
    affine scheme its offset as well. The engine counts no overhead; a front with it is not
    comparable with the engine's.
    """
    total = 0
    for t in tensors:
        if not t.compressible or probe.kind == "dense":
            total += t.count * t.element_bits
        elif probe.kind == "prune":
            total += t.nonzero * t.element_bits + (t.count if overhead else 0)
        else:
            extras = (2 if scheme == "affine" else 1) * t.element_bits if overhead else 0
            total += t.count * probe.bits + extras
    return total


def metric_direction(metric: str, direction: Optional[str] = None) -> str:
    """``direction`` checked, or guessed from the name: ``"min"`` when its last ``/`` part holds ``loss`` or ``error``."""
    if direction is None:
        leaf = metric.rsplit("/", 1)[-1].lower()
        return "min" if ("loss" in leaf or "error" in leaf) else "max"
    if direction not in ("min", "max"):
        raise ValueError(f"direction must be 'min' or 'max', got {direction!r}")
    return direction


def read_metrics(result: Any, metric: str) -> Dict[str, float]:
    """An ``eval_fn`` result as ``{name: float}``: a number becomes ``{metric: value}``; a mapping must hold ``metric``.

    Values may be Python numbers, numpy or JAX scalars, or one-element tensors (anything ``float``
    takes).
    """
    if isinstance(result, Mapping):
        values = {str(name): float(value) for name, value in result.items()}
        if metric not in values:
            raise ValueError(f"eval_fn returned the metrics {sorted(values)} without {metric!r}, the objective")
        return values
    return {metric: float(result)}


@dataclass(frozen=True)
class CompressionPoint:
    """One scored candidate: its probe, size in bits, objective value, every metric eval_fn gave, and its cost."""

    probe: Probe
    bits: int
    value: float  #: the objective metric (``metrics[metric]``)
    metrics: Dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0  #: compressing plus evaluating this candidate

    @property
    def label(self) -> str:
        """The engine's label of the probe."""
        return self.probe.label


@dataclass(frozen=True)
class CompressionFront:
    """One probe round: its points (dense first), objectives, the reference sent, and its wall-clock cost."""

    step: Optional[int]
    metric: str
    direction: str
    points: List[CompressionPoint]
    reference: Optional[List[float]]
    seconds: float

    @property
    def objectives(self) -> List[Tuple[str, str]]:
        """``[("model_bits", "min"), (metric, direction)]``, as :meth:`trainscope.Client.pareto` takes them."""
        return [(BITS_OBJECTIVE, "min"), (self.metric, self.direction)]

    @property
    def dense(self) -> CompressionPoint:
        """The uncompressed model's point."""
        return self.points[0]

    def finite_points(self) -> List[CompressionPoint]:
        """The points the event carries: a consumer refuses a whole event with a non-finite value in it."""
        return [p for p in self.points if math.isfinite(p.value)]


def default_reference(points: Sequence[CompressionPoint], direction: str) -> Optional[List[float]]:
    """The engine's reference: ``[1.1 × dense bits, 0]`` when the metric is maximized and never negative, else None.

    Fixed by the dense size and zero, it stays the same from round to round, so the hypervolumes
    of later fronts compare with earlier ones. A loss has no natural worst value: the dashboard
    then fixes one from the run's first front.
    """
    finite = [p.value for p in points if math.isfinite(p.value)]
    if direction != "max" or not finite or min(finite) < 0:
        return None
    return [points[0].bits * 1.1, 0.0]


def run_probes(
    plan: Sequence[Probe],
    score: Callable[[Probe], Tuple[Sequence[TensorCount], Any]],
    *,
    metric: str = "test/acc",
    direction: Optional[str] = None,
    step: Optional[int] = None,
    client: Any = None,
    reference: Union[str, Sequence[float], None] = "auto",
    scheme: str = "affine",
    overhead: bool = False,
) -> CompressionFront:
    """Scores every probe of ``plan`` with ``score`` and sends the round as one ``pareto`` event.

    Args:
        plan: probes, the dense one first (:func:`probe_plan`).
        score: ``probe -> (tensor counts of the compressed model, eval_fn's result on it)``; the
            framework modules compress, count and evaluate here.
        metric, direction: the quality objective's name and ``"min"``/``"max"`` (guessed when None,
            :func:`metric_direction`).
        step, client: with a client (a :class:`trainscope.Client`), the front is sent at ``step``
            as a ``pareto`` event with the finite points, and its cost as the scalar ``probe/seconds``.
        reference: ``"auto"`` (:func:`default_reference`), None (none sent), or one value per objective.
        scheme, overhead: how quantized sizes are counted (:func:`model_bits`).

    Raises:
        ValueError: a client without a step, a plan not starting with the dense probe, a malformed
        result of ``score``, or a reference of the wrong length.
    """
    if client is not None and step is None:
        raise ValueError("a step is needed to send the front: pass step=")
    if not plan or plan[0].kind != "dense":
        raise ValueError("the plan must start with the dense probe")
    goal = metric_direction(metric, direction)
    started = time.perf_counter()
    points: List[CompressionPoint] = []
    for probe in plan:
        began = time.perf_counter()
        counts, result = score(probe)
        metrics = read_metrics(result, metric)
        bits = model_bits(counts, probe, scheme=scheme, overhead=overhead)
        points.append(CompressionPoint(probe, bits, metrics[metric], metrics, time.perf_counter() - began))
    if isinstance(reference, str):
        if reference != "auto":
            raise ValueError(f"reference must be 'auto', None or one value per objective, got {reference!r}")
        ref = default_reference(points, goal)
    elif reference is None:
        ref = None
    else:
        ref = [float(v) for v in reference]
        if len(ref) != 2:
            raise ValueError(f"reference needs 2 values (bits, {metric}), got {len(ref)}")
    front = CompressionFront(step, metric, goal, points, ref, time.perf_counter() - started)
    if client is not None:
        send_front(client, front)
    return front


def send_front(client: Any, front: CompressionFront) -> None:
    """Sends ``front`` through ``client`` at its step: one ``pareto`` event, then ``probe/seconds``."""
    if front.step is None:
        raise ValueError("the front has no step to be sent at")
    shown = front.finite_points()
    if shown:
        client.pareto(
            front.step,
            front.objectives,
            [[float(p.bits), p.value] for p in shown],
            labels=[p.label for p in shown],
            reference=front.reference,
        )
    client.log(front.step, {COST_METRIC: front.seconds})
