"""Knobs on a torch optimizer: their specs for the dashboard, and changes applied to ``param_groups``.

Shared by :mod:`trainscope.huggingface`, :mod:`trainscope.lightning`, :mod:`trainscope.distributed`
and the examples. Duck-typed (anything with ``param_groups``), so this module imports no framework.

The knobs and how a change is applied:

* ``lr``: with learning-rate schedulers, the knob is the schedule's base rate (``base_lrs[0]``, the
  peak of a warmup/decay schedule, e.g. Hugging Face's ``learning_rate``); without, the first param
  group's ``lr``. A change from ``old`` to ``new`` multiplies every group's ``lr`` (and its
  ``initial_lr``/``max_lr``/``min_lr``), every scheduler's ``base_lrs`` and ``_last_lr`` by
  ``new / old``: the schedule goes on with its shape, scaled, instead of writing its old rates back
  at the next ``scheduler.step()``, and groups keep their ratios (layer-wise rates, frozen groups
  at 0). When ``old`` is 0 every group (and base rate) is set to ``new``.
* ``weight_decay``: groups whose decay is non-zero are scaled by ``new / old`` (``old``: the first
  such group's), so the groups a trainer exempts from decay (biases, norms) stay at 0; when no group
  decays, every group is set to ``new``.
* ``momentum``: ``momentum`` of the groups that have one (SGD, RMSprop), else ``betas[0]`` (Adam).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Dict, Iterator, List, Optional

from ._knobs import KnobValue

#: The knobs this module knows, in the order their specs are listed.
OPTIMIZER_KNOBS = ("lr", "weight_decay", "momentum")
#: The knobs the framework callbacks declare by default.
DEFAULT_KNOBS = ("lr", "weight_decay")

_LR_KEYS = ("lr", "initial_lr", "max_lr", "min_lr")


def _optimizers(optimizers: Any) -> List[Any]:
    """One optimizer (anything with ``param_groups``) or a sequence of them, as a list."""
    if optimizers is None:
        return []
    if hasattr(optimizers, "param_groups"):
        return [optimizers]
    return [o for o in optimizers if hasattr(o, "param_groups")]


def _scheduler_parts(schedulers: Any, depth: int = 0) -> Iterator[Any]:
    """Every scheduler holding ``base_lrs``: unwraps accelerate/Lightning wrappers and Sequential/Chained."""
    if schedulers is None or depth > 8:
        return
    if isinstance(schedulers, (list, tuple)):
        for item in schedulers:
            yield from _scheduler_parts(item, depth + 1)
        return
    if isinstance(getattr(schedulers, "base_lrs", None), list):
        yield schedulers
    inner = getattr(schedulers, "scheduler", None)  # accelerate's AcceleratedScheduler, Lightning's config
    if inner is not None and inner is not schedulers:
        yield from _scheduler_parts(inner, depth + 1)
    nested = getattr(schedulers, "_schedulers", None)  # SequentialLR, ChainedScheduler
    if isinstance(nested, (list, tuple)):
        yield from _scheduler_parts(list(nested), depth + 1)


def _number(value: Any) -> Optional[float]:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _groups(optimizers: Any) -> List[Dict[str, Any]]:
    return [group for optimizer in _optimizers(optimizers) for group in optimizer.param_groups]


def _momentum(group: Mapping[str, Any]) -> Optional[float]:
    if "momentum" in group:
        return _number(group["momentum"])
    betas = group.get("betas")
    if isinstance(betas, (list, tuple)) and betas:
        return _number(betas[0])
    return None


def optimizer_knob_values(optimizers: Any, schedulers: Any = None) -> Dict[str, float]:
    """The current value of each knob the optimizers have (see the module's doc for what ``lr`` means)."""
    groups = _groups(optimizers)
    values: Dict[str, float] = {}
    if not groups:
        return values
    base = next((b for part in _scheduler_parts(schedulers) for b in part.base_lrs), None)
    lr = _number(base if base is not None else groups[0].get("lr"))
    if lr is not None:
        values["lr"] = lr
    decays = [d for d in (_number(g.get("weight_decay")) for g in groups) if d is not None]
    if decays:
        values["weight_decay"] = next((d for d in decays if d != 0), decays[0])
    momentum = next((m for m in (_momentum(g) for g in groups) if m is not None), None)
    if momentum is not None:
        values["momentum"] = momentum
    return values


def knob_spec(name: str, value: float) -> Dict[str, Any]:
    """The spec trainscope's engine would declare for an optimizer knob at ``value``: bounds, scale, step."""
    if name == "lr":
        return {"value": value, "min": 0, "min_open": True, "max": 100, "scale": "log", "step": 2}
    if name == "weight_decay":
        if value > 0:
            return {"value": value, "min": 0, "max": 100, "scale": "log", "step": 2}
        return {"value": value, "min": 0, "max": 100, "scale": "lin", "step": 0.01}
    if name == "momentum":
        return {"value": value, "min": 0, "max": 1, "max_open": True, "scale": "lin", "step": 0.01}
    raise ValueError(f"unknown optimizer knob {name!r}; known: {', '.join(OPTIMIZER_KNOBS)}")


def optimizer_knob_specs(
    optimizers: Any,
    names: Any = DEFAULT_KNOBS,
    schedulers: Any = None,
) -> Dict[str, Dict[str, Any]]:
    """Knob specs for ``Client(knobs=...)`` with the optimizers' current values.

    ``names`` is a sequence of knob names (``lr``, ``weight_decay``, ``momentum``) or a mapping of
    name to spec fields that override the defaults (``{"lr": {"max": 1e-2}}``). A knob the
    optimizers do not have (``momentum`` of plain Adagrad) is left out.
    """
    overrides: Mapping[str, Any] = names if isinstance(names, Mapping) else {name: {} for name in names}
    current = optimizer_knob_values(optimizers, schedulers)
    specs: Dict[str, Dict[str, Any]] = {}
    for name, extra in overrides.items():
        if name not in OPTIMIZER_KNOBS:
            raise ValueError(f"unknown optimizer knob {name!r}; known: {', '.join(OPTIMIZER_KNOBS)}")
        if name in current:
            specs[name] = {**knob_spec(name, current[name]), **dict(extra or {})}
    return specs


def _scale(group: Dict[str, Any], key: str, factor: float) -> None:
    value = group.get(key)
    if value is None or isinstance(value, bool):
        return
    if hasattr(value, "fill_") and hasattr(value, "item"):  # a tensor learning rate (capturable optimizers)
        value.fill_(float(value.item()) * factor)
    elif isinstance(value, (int, float)):
        group[key] = float(value) * factor


def _set(group: Dict[str, Any], key: str, value: float) -> None:
    current = group.get(key)
    if current is not None and hasattr(current, "fill_"):
        current.fill_(value)
    else:
        group[key] = value


def _apply_lr(optimizers: Any, schedulers: Any, new: float) -> None:
    groups = _groups(optimizers)
    parts = list(_scheduler_parts(schedulers))
    old = optimizer_knob_values(optimizers, schedulers).get("lr")
    if old is not None and old > 0:
        factor = new / old
        for group in groups:
            for key in _LR_KEYS:
                _scale(group, key, factor)
        for part in parts:
            part.base_lrs = [float(b) * factor for b in part.base_lrs]
    else:
        for group in groups:
            _set(group, "lr", new)
            if "initial_lr" in group:
                group["initial_lr"] = new
        for part in parts:
            part.base_lrs = [new for _ in part.base_lrs]
    for part in parts:  # get_last_lr() (what Hugging Face logs as learning_rate) reports the new rates
        optimizer = getattr(part, "optimizer", None)
        if optimizer is not None and hasattr(part, "_last_lr"):
            part._last_lr = [_number(g.get("lr")) for g in optimizer.param_groups]


def _apply_weight_decay(optimizers: Any, new: float) -> None:
    groups = [g for g in _groups(optimizers) if "weight_decay" in g]
    old = next((d for d in (_number(g["weight_decay"]) for g in groups) if d), None)
    for group in groups:
        if old:
            _scale(group, "weight_decay", new / old)
        else:
            group["weight_decay"] = new


def _apply_momentum(optimizers: Any, new: float) -> None:
    for group in _groups(optimizers):
        if "momentum" in group:
            group["momentum"] = new
        elif isinstance(group.get("betas"), (list, tuple)) and group["betas"]:
            group["betas"] = (new, *tuple(group["betas"])[1:])


def apply_optimizer_knobs(
    optimizers: Any,
    changes: Mapping[str, KnobValue],
    schedulers: Any = None,
) -> Dict[str, KnobValue]:
    """Applies knob changes (``Client.knobs()``) to the optimizers' param groups; returns those applied.

    ``optimizers`` and ``schedulers`` may each be one object or a sequence (``None``: no scheduler).
    Names other than ``lr``, ``weight_decay`` and ``momentum``, and values that are not numbers,
    are left for the caller (not in the result). See the module's doc for how each knob is applied.
    """
    applied: Dict[str, KnobValue] = {}
    if not _optimizers(optimizers):
        return applied
    for name, value in changes.items():
        number = None if isinstance(value, (bool, str)) else _number(value)
        if name not in OPTIMIZER_KNOBS or number is None:
            continue
        if name == "lr":
            _apply_lr(optimizers, schedulers, number)
        elif name == "weight_decay":
            _apply_weight_decay(optimizers, number)
        else:
            _apply_momentum(optimizers, number)
        applied[name] = value
    return applied

