"""One step of steering for the framework integrations: knob changes, pause and stop, on every rank.

Shared by :mod:`trainscope.huggingface`, :mod:`trainscope.lightning` and :mod:`trainscope.distributed`.
Imports no framework: :mod:`trainscope.distributed` (torch) is imported only when a
``torch.distributed`` process group is already running.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Dict, NamedTuple, Optional

from ._events import as_step
from ._knobs import KnobValue
from ._optim import apply_optimizer_knobs
from .client import Client


class Controls(NamedTuple):
    """What to do at this step: the knob changes to apply, and whether to stop."""

    knobs: Dict[str, KnobValue]
    stop: bool


def take_knob_changes(client: Optional[Client], step: Optional[int] = None) -> Dict[str, KnobValue]:
    """``client.knobs(step)``: the changes, with the ``knob`` events they log placed at ``step``."""
    return {} if client is None else client.knobs(step=None if step is None else as_step(step))


def local_controls(client: Optional[Client], step: Optional[int] = None) -> Controls:
    """Waits out a pause, then takes the knob changes and the stop request of this process's client."""
    if client is None:
        return Controls({}, False)
    client.wait_while_paused()
    return Controls(take_knob_changes(client, step), client.stop_requested)


def process_group_size() -> int:
    """The running ``torch.distributed`` group's size, or 1 (without importing torch)."""
    dist = sys.modules.get("torch.distributed")
    try:
        if dist is not None and dist.is_available() and dist.is_initialized():
            return int(dist.get_world_size())
    except Exception:
        pass
    return 1


def step_controls(client: Optional[Client], step: Optional[int] = None) -> Controls:
    """This step's controls: rank 0's, broadcast to every rank when a process group runs (collective)."""
    if process_group_size() > 1:
        from .distributed import broadcast_knobs

        return broadcast_knobs(client, step=step)
    return local_controls(client, step)


def steer(client: Optional[Client], step: int, optimizers: Any, schedulers: Any = None) -> Controls:
    """One step of steering: the controls of :func:`step_controls`, with optimizer knobs applied.

    Returns the controls; ``knobs`` holds every change received (those that are not optimizer
    knobs included), for the caller to apply what it knows.
    """
    controls = step_controls(client, step)
    if controls.knobs:
        apply_optimizer_knobs(optimizers, controls.knobs, schedulers)
    return controls


def rank_client(rank: int, all_ranks: bool, run: str, **kwargs: Any) -> Optional[Client]:
    """A client for the process of global ``rank``, or None where this rank does not send.

    The client reads the rank from env ``RANK`` (torchrun, accelerate). Launchers that do not set it
    (Lightning's own DDP launcher) still say the rank to the framework: then only rank 0 gets a
    client, or with ``all_ranks`` every rank one named ``RUN/rankN``.
    """
    if os.environ.get("RANK", "").strip() or (rank == 0 and not all_ranks):
        return Client(run=run, all_ranks=all_ranks, **kwargs)
    if all_ranks:
        return Client(run=f"{run}/rank{rank}", **kwargs)
    return None
