"""The bounded queue between the training thread and the writer thread."""

from __future__ import annotations

import threading
from collections import deque
from typing import Deque, List, Tuple

_DROPPABLE_KINDS = frozenset({"scalars", "histogram"})


class EventQueue:
    """Serialized event lines in order, at most ``capacity``; when full, the oldest droppable one goes.

    ``scalars`` and ``histogram`` lines may be dropped; every other kind (``run``, ``knob``,
    ``phase``, ``spectrum``, ``pareto``) is dropped only when nothing droppable is queued. Lines
    keep their order across the two kinds by a sequence number.
    """

    def __init__(self, capacity: int) -> None:
        self._lock = threading.Lock()
        self._capacity = capacity
        self._droppable: Deque[Tuple[int, bytes]] = deque()
        self._kept: Deque[Tuple[int, bytes]] = deque()
        self._seq = 0
        self._armed = False
        #: Lines dropped because the queue was full.
        self.dropped = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._droppable) + len(self._kept)

    def push(self, kind: str, line: bytes) -> bool:
        """Appends a line, dropping the oldest droppable one (or this one) when full; True when the writer asked to be woken."""
        with self._lock:
            if len(self._droppable) + len(self._kept) >= self._capacity:
                self.dropped += 1
                if not self._droppable:
                    return False
                self._droppable.popleft()
            self._seq += 1
            (self._droppable if kind in _DROPPABLE_KINDS else self._kept).append((self._seq, line))
            wake, self._armed = self._armed, False
        return wake

    def take(self, limit: int) -> List[bytes]:
        """Removes and returns queued lines in order, up to about ``limit`` bytes."""
        out: List[bytes] = []
        size = 0
        with self._lock:
            droppable, kept = self._droppable, self._kept
            while (droppable or kept) and size < limit:
                if kept and (not droppable or kept[0][0] < droppable[0][0]):
                    line = kept.popleft()[1]
                else:
                    line = droppable.popleft()[1]
                out.append(line)
                size += len(line)
        return out

    def arm(self) -> bool:
        """Asks the next push to wake the writer; False (not armed) when something is queued already."""
        with self._lock:
            if self._droppable or self._kept:
                return False
            self._armed = True
            return True
