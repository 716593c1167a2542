"""Stream training telemetry to trainscope and take its knobs: the trainscope Python package.

The client writes the NDJSON events of PROTOCOL.md (``run``, ``scalars``, ``spectrum``, ``pareto``,
``phase``, ``histogram``, ``knob``) to a trainscope dashboard listening on a Unix socket or a TCP
port, to standard output, or to a file, and applies the control lines (``set``, ``pause``,
``resume``, ``stop``) that the dashboard sends back, but only those that carry the session token.

Usage::

    # shell:  trainscope watch unix:   (the per-user default socket; prints: export TRAINSCOPE_TOKEN=...)
    from trainscope import Client

    with Client(url="unix:", run="exp1", task="modular", model="mlp",
                knobs={"lr": {"value": 1e-3, "min": 1e-6, "max": 1.0, "scale": "log"}}) as ts:
        for step in range(1000):
            ts.wait_while_paused()
            if ts.stop_requested:
                break
            for name, value in ts.knobs().items():       # changes made in the dashboard
                if name == "lr":
                    for group in optimizer.param_groups:
                        group["lr"] = value
            loss = train_step()
            ts.log(step, {"train/loss": loss}, lr=optimizer.param_groups[0]["lr"])

Destinations (``url``, else env ``TRAINSCOPE_URL``, else standard output):

* ``unix:`` alone is the per-user default socket that ``trainscope watch unix:`` listens on, so
  both sides find each other without agreeing on a path: ``$XDG_RUNTIME_DIR/trainscope/default.sock``
  when ``XDG_RUNTIME_DIR`` is set, non-empty and an existing directory, otherwise
  ``/tmp/trainscope-USER/default.sock`` (USER: the login name of this uid, or the numeric uid).
  :func:`default_socket_path` returns it. The dashboard creates its folder; the client waits for it
  and sends nothing while that folder is owned by another user or writable by others.
* ``unix:PATH``, ``tcp://HOST:PORT``, ``-``/``stdout``, ``file:PATH``, or a path ending
  ``.jsonl``/``.ndjson`` (appended to).

Errors and reports:

* The constructor raises :class:`ValueError` for a destination it can never use: an unknown scheme
  (``http://x``, ``foo:bar``; the message lists the accepted forms), a malformed ``tcp://``, a file
  (``file:``, ``.jsonl``, ``.ndjson``) or ``unix:PATH`` socket whose folder does not exist (the
  message names it; not for the default socket, whose folder the dashboard creates), or a socket
  path too long for ``AF_UNIX``. ``TRAINSCOPE_URL`` gets the same checks (its messages start with
  ``TRAINSCOPE_URL:``). The folder checks run only on a rank that sends.
* The first time the destination cannot be reached (or a file cannot be opened), the client issues
  one :class:`RuntimeWarning` through :mod:`warnings`, e.g. ``trainscope: cannot reach
  unix:/x.sock (No such file or directory); queuing events and retrying``: once per client, not per
  retry. The writer thread only notes the failure; the warning is issued on the training thread by
  the next call (``log``, ``knobs``, ..., or ``close``) so that ``warnings`` filters and
  ``catch_warnings`` apply and it points at the caller's line. Should a filter turn it into an
  error, the text goes to standard error instead: calls still never raise because of the network.
* :meth:`Client.close` writes one line to standard error when events were lost: ``trainscope
  client: run 'exp': 1234 events dropped (queue full), 56 unsent at close to unix:/x.sock``.
  Nothing is written when everything was delivered.

Guarantees:

* Calls never block the training loop (except :meth:`Client.close`, bounded, and
  :meth:`Client.wait_while_paused`) and never raise because of the network: they append one
  serialized line to a bounded queue; a daemon thread connects, writes and reads control lines.
* When the queue is full the oldest ``scalars``/``histogram`` event is dropped and counted in
  :attr:`Client.dropped`; after a (re)connect with drops, the running total is sent as the metric
  ``client/dropped``. ``run``, ``knob``, ``phase``, ``spectrum`` and ``pareto`` events are only
  dropped (and counted) when the queue holds nothing droppable.
* A dashboard that is absent or goes away is retried with backoff (0.2 s doubling to 5 s), by path
  or address each time, so a dashboard restarted on the same socket path (or port) is found again;
  every connection starts with the ``run`` event, then what was queued meanwhile.
* Under ``torchrun``-style launchers only rank 0 (env ``RANK``) sends, unless ``all_ranks=True``.


The core (this module, the client, events, knobs and control lines) uses the standard library only,
on Python 3.9+. Curvature, compression fronts and integrations live in submodules that import
their framework: :mod:`trainscope.torch`, :mod:`trainscope.jax`, :mod:`trainscope.curvature`
(framework-free algorithms), :mod:`trainscope.tensorboard`, :mod:`trainscope.huggingface`,
:mod:`trainscope.lightning` and :mod:`trainscope.distributed`.
"""

from __future__ import annotations

from ._destination import default_socket_path
from ._events import PROTOCOL_VERSION
from .client import Client

__all__ = ["Client", "PROTOCOL_VERSION", "default_socket_path", "__version__"]

#: The package's version (also in ``python/pyproject.toml``).
__version__ = "0.1.0"
