"""Steering a ``torchrun`` job: rank 0's knob changes, pause and stop, applied by every rank at the same step.

Only rank 0 talks to the dashboard (the :class:`~trainscope.Client` reads env ``RANK``; other ranks'
clients are cheap no-ops unless ``all_ranks=True``). Once per step every rank calls
:func:`broadcast_knobs` (or :meth:`DistributedKnobs.sync`) collectively: rank ``src`` takes its
client's knob changes and stop request and ``torch.distributed.broadcast_object_list`` hands them
to every rank, so all replicas change their optimizer at the same step and stop together::

    dist.init_process_group("gloo")                      # or nccl; torchrun sets RANK and WORLD_SIZE
    ts = Client(run="exp", knobs=optimizer_knob_specs(opt))   # rank 0 sends, the others are no-ops
    knobs = DistributedKnobs(ts)
    for step in range(steps):
        apply_optimizer_knobs(opt, knobs.sync(step))     # collective: every rank, every step
        if knobs.stop_requested:
            break
        ...

A pause from the dashboard holds every rank inside the call: rank ``src`` waits on its client and
broadcasts "still paused" every ``poll`` seconds, so the other ranks never sit in one collective
longer than that (no process-group timeout however long the pause). With NCCL the objects travel
through the current CUDA device, as ``broadcast_object_list`` does. Without a process group (or with
one process) the calls act on the local client alone.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import torch.distributed as dist

from ._knobs import KnobValue
from ._optim import apply_optimizer_knobs, optimizer_knob_specs, optimizer_knob_values
from ._steering import Controls, local_controls, take_knob_changes
from .client import Client

__all__ = [
    "Controls",
    "DistributedKnobs",
    "apply_optimizer_knobs",
    "broadcast_knobs",
    "optimizer_knob_specs",
    "optimizer_knob_values",
]


def _running() -> bool:
    return bool(dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1)


def broadcast_knobs(
    client: Optional[Client],
    src: int = 0,
    group: Any = None,
    step: Optional[int] = None,
    poll: float = 1.0,
) -> Controls:
    """Collective: rank ``src``'s knob changes and stop request, the same on every rank; waits out a pause.

    Args:
        client: this rank's client (may be ``None`` on ranks other than ``src``). On ``src`` it must
            send (rank 0, or any rank with ``all_ranks=True``); its changes are the ones applied.
        src: the global rank whose client steers.
        group: the process group (default: the whole job).
        step: the step the changes apply from (their ``knob`` events are logged at it).
        poll: while paused, seconds between the broadcasts that keep the other ranks waiting.

    Returns:
        :class:`Controls` (``knobs``: changes to apply now; ``stop``: end the loop), equal on all ranks.
    """
    if not _running():
        return local_controls(client, step)
    is_src = dist.get_rank() == src
    knobs: Dict[str, KnobValue] = {}
    while True:
        payload: List[Any] = [None]
        if is_src:
            stop = bool(client is not None and client.stop_requested)
            paused = bool(client is not None and client.paused and not stop)
            payload[0] = {"knobs": take_knob_changes(client, step), "stop": stop, "paused": paused}
        dist.broadcast_object_list(payload, src=src, group=group)
        message = payload[0] if isinstance(payload[0], dict) else {}
        knobs.update(message.get("knobs") or {})
        if message.get("stop") or not message.get("paused"):
            return Controls(knobs, bool(message.get("stop")))
        if is_src and client is not None:
            client.wait_while_paused(timeout=poll)


class DistributedKnobs:
    """Per-step knob, pause and stop synchronisation for ``torchrun``: call :meth:`sync` on every rank, every step."""

    def __init__(self, client: Optional[Client], src: int = 0, group: Any = None, poll: float = 1.0) -> None:
        self.client = client
        self.src = src
        self.group = group
        self.poll = poll
        self._stop = False

    def sync(self, step: Optional[int] = None) -> Dict[str, KnobValue]:
        """Collective: the knob changes every rank applies now (waits out a pause); see :func:`broadcast_knobs`."""
        controls = broadcast_knobs(self.client, self.src, self.group, step, self.poll)
        self._stop = self._stop or controls.stop
        return controls.knobs

    @property
    def stop_requested(self) -> bool:
        """True on every rank from the :meth:`sync` that received the dashboard's ``stop``."""
        return self._stop
