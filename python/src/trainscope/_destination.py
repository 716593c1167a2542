"""Where events go: parsing and checking ``unix:``, ``tcp://``, ``-``, ``file:`` and ``.jsonl`` destinations."""

from __future__ import annotations

import os
import re
import stat
import sys
from typing import Any, NamedTuple, Optional

try:
    import pwd
except ImportError:  # not a Unix system
    pwd = None  # type: ignore[assignment]

class Target(NamedTuple):
    """Where events go: ``kind`` is ``unix``, ``tcp``, ``stdout`` or ``file``.

    ``text`` names it in messages (``unix:`` alone is shown with the default path it stands for);
    ``default`` is True for the per-user default socket, whose folder the dashboard creates.
    """

    kind: str
    address: Any
    text: str
    default: bool = False


# The accepted destinations, as error messages list them.
_URL_FORMS = (
    "unix:PATH, unix: (the per-user default socket), tcp://HOST:PORT, - or stdout, "
    "file:PATH, or a path ending .jsonl/.ndjson"
)
# A URL scheme: two or more characters, so that a Windows drive letter (C:...) is not one.
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")
# sun_path holds this many bytes including the terminating NUL (Linux 108; macOS and the BSDs 104).
_UNIX_PATH_MAX = 108 if sys.platform.startswith("linux") else 104


def default_socket_path() -> str:
    """The per-user socket that ``unix:`` with no path means, here and in the dashboard.

    ``$XDG_RUNTIME_DIR/trainscope/default.sock`` when ``XDG_RUNTIME_DIR`` is set, non-empty and an
    existing directory; otherwise ``/tmp/trainscope-USER/default.sock``, USER being the login name
    of this process's uid (``pwd.getpwuid(os.getuid()).pw_name``), or the numeric uid when that
    cannot be had. Read from the environment on each call; the folder may not exist yet (the
    dashboard creates it).
    """
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isdir(runtime):
        return os.path.join(runtime, "trainscope", "default.sock")
    return f"/tmp/trainscope-{_user_name()}/default.sock"


def _user_name() -> str:
    """This uid's login name, else the numeric uid (else ``unknown`` where there are no uids)."""
    getuid = getattr(os, "getuid", None)
    if getuid is None:
        return "unknown"
    uid = getuid()
    try:
        name = pwd.getpwuid(uid).pw_name if pwd is not None else ""
    except (KeyError, OSError):
        name = ""
    return name or str(uid)


def parse_url(url: str) -> Target:
    """Parses ``unix:[PATH]``, ``tcp://HOST:PORT``, ``-``/``stdout``, ``file:PATH`` or ``*.jsonl``/``*.ndjson``.

    Syntax only: :func:`check_target` looks at the file system.
    """
    text = url.strip()
    if text in ("-", "stdout"):
        return Target("stdout", None, text)
    if text.startswith("unix:"):
        path = text[len("unix:"):]
        default_path = default_socket_path()
        if not path:
            return Target("unix", default_path, f"unix:{default_path}", default=True)
        return Target("unix", path, text, default=os.path.abspath(path) == os.path.abspath(default_path))
    if text.startswith("tcp:"):
        rest = text[len("tcp://"):].rstrip("/") if text.startswith("tcp://") else ""
        host, sep, port_text = rest.rpartition(":")
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"{url!r}: tcp:// needs HOST:PORT with a port in 1-65535, e.g. tcp://127.0.0.1:7070")
        return Target("tcp", (host, int(port_text)), text)
    if text.startswith("file:"):
        path = text[len("file:"):]
        if not path:
            raise ValueError(f"{url!r}: file: needs a path")
        return Target("file", path, text)
    scheme = _SCHEME.match(text)
    if scheme:
        # http://..., foo:bar, even foo:bar.jsonl: a scheme this client does not speak.
        raise ValueError(
            f"{url!r}: unknown scheme {scheme.group(1)!r}; use {_URL_FORMS} "
            f"(a file whose name has a colon: file:NAME)"
        )
    if text.lower().endswith((".jsonl", ".ndjson")):
        return Target("file", text, text)
    raise ValueError(f"{url!r}: unknown destination; use {_URL_FORMS}")


def check_target(target: Target, url: str) -> None:
    """Raises ValueError for a destination this process can never use.

    A file or a ``unix:PATH`` socket whose folder does not exist (the client creates no folders and
    the dashboard makes none for an explicit path), and a socket path too long for ``AF_UNIX``. The
    default socket's folder is the dashboard's to create, so its absence is waited out instead.
    """
    if target.kind == "unix":
        size = len(os.fsencode(target.address))
        if size >= _UNIX_PATH_MAX:
            raise ValueError(
                f"{url!r}: a Unix socket path must be shorter than {_UNIX_PATH_MAX} bytes, this one has {size}"
            )
        if not target.default:
            _check_folder(target.address, url, " (or use unix: for the per-user default socket)")
    elif target.kind == "file":
        _check_folder(target.address, url, "")


def _check_folder(path: str, url: str, hint: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(folder):
        return
    if os.path.exists(folder):
        raise ValueError(f"{url!r}: {folder} is not a folder; choose another path{hint}")
    raise ValueError(f"{url!r}: folder {folder} does not exist; create it or choose another path{hint}")


def default_folder_problem(path: str) -> Optional[str]:
    """Why the default socket's folder must not be trusted now, or None (also when it does not exist yet).

    Under ``/tmp`` another user could make ``trainscope-USER`` first and listen there; the dashboard
    makes it 0700 and owns it, so a folder owned by someone else, or writable by others, is refused.
    """
    getuid = getattr(os, "getuid", None)
    if getuid is None:
        return None
    folder = os.path.dirname(path)
    try:
        info = os.lstat(folder)
    except OSError:
        return None  # not there yet: connecting reports it
    if not stat.S_ISDIR(info.st_mode):
        return f"{folder} is not a folder"
    if info.st_uid != getuid():
        return f"{folder} is owned by another user"
    if info.st_mode & 0o022:
        return f"{folder} is writable by other users"
    return None


def env_int(name: str, default: int) -> int:
    """A non-negative integer from the environment, or ``default`` when unset or malformed."""
    try:
        value = int(os.environ.get(name, "").strip())
    except ValueError:
        return default
    return value if value >= 0 else default
