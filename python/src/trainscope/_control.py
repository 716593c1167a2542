"""Control lines from the dashboard: framing, and which of them this producer may apply."""

from __future__ import annotations

import hmac
import json
from typing import Any, Dict, List, Optional, Tuple

_MAX_CONTROL_LINE = 1 << 20
_CONTROL_KINDS = frozenset(
    {"set", "pause", "resume", "step", "fork", "rollback", "checkpoint", "adopt", "discard", "stop"}
)

class LineReader:
    """Splits received bytes into lines; a line longer than the limit is skipped whole."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._skipping = False

    def feed(self, data: bytes) -> List[bytes]:
        self._buffer += data
        lines: List[bytes] = []
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                if len(self._buffer) > _MAX_CONTROL_LINE:
                    self._buffer.clear()
                    self._skipping = True
                return lines
            line = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            if self._skipping:
                self._skipping = False
            else:
                lines.append(line)


def parse_control_line(raw: bytes, token: Optional[bytes], run_id: str) -> Tuple[str, Optional[Dict[str, Any]]]:
    """Classifies one line from the dashboard: ``("apply", message)``, ``("refused", None)`` or ``("ignore", None)``.

    Only control lines (PROTOCOL.md, "Control lines") are applied, and only when they carry the
    session token (compared in constant time) and name this run or none. Replies
    (``{"ok": ...}``), malformed JSON and lines for other runs are ignored; a control line with a
    missing or wrong token is refused, so the caller can count it.
    """
    text = raw.decode("utf-8", "replace").strip().lstrip("\ufeff")
    if not text:
        return "ignore", None
    try:
        message = json.loads(text)
    except ValueError:
        return "ignore", None
    if not isinstance(message, dict) or "ok" in message:
        return "ignore", None
    kind = message.get("type")
    if not isinstance(kind, str) or kind not in _CONTROL_KINDS:
        return "ignore", None
    sent = message.get("token")
    if token is None or not isinstance(sent, str) or not hmac.compare_digest(sent.encode("utf-8"), token):
        return "refused", None
    target = message.get("run")
    if target is not None and target != run_id:
        return "ignore", None
    return "apply", message
