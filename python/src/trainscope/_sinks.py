"""Where the writer thread writes when the destination is standard output or a file."""

from __future__ import annotations

import os
import sys
from typing import Any, Optional

# Outcomes of a write (shared with the writer thread's connection outcomes).
LOST, DEAD = "lost", "dead"


class StreamSink:
    """Standard output (``fd is None``: whatever ``sys.stdout`` is at write time) or an appended file."""

    def __init__(self, fd: Optional[int]) -> None:
        self.fd = fd

    def write(self, data: bytes) -> Optional[str]:
        """Writes whole lines; returns None, or ``LOST``/``DEAD`` when the sink failed."""
        if self.fd is not None:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(self.fd, view):]
                return None
            except OSError:
                return LOST
        stream = sys.stdout
        if stream is None:
            return DEAD
        try:
            stream.write(data.decode("ascii"))
            stream.flush()
            return None
        except BrokenPipeError:
            _silence(stream)
            return DEAD
        except (OSError, ValueError):
            return DEAD

    def close(self) -> None:
        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = None


def _silence(stream: Any) -> None:
    """Points a stream whose pipe broke at /dev/null, so later writes and the exit flush do not fail."""
    try:
        fd = stream.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, fd)
        finally:
            os.close(devnull)
    except (AttributeError, OSError, ValueError):
        pass


def close_sink(sink: Any) -> None:
    try:
        sink.close()
    except OSError:
        pass

def warn_stderr(message: str) -> None:
    try:
        stream = sys.stderr
        if stream is not None:
            stream.write(message + "\n")
            stream.flush()
    except Exception:
        pass
