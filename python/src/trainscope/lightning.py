"""A PyTorch Lightning callback: what the module logs streams to trainscope, its knobs steer the optimizers.

    from trainscope.lightning import TrainscopeCallback

    trainer = lightning.Trainer(max_epochs=10, callbacks=[TrainscopeCallback()])
    trainer.fit(model, datamodule)       # url: env TRAINSCOPE_URL, else stdout; token: TRAINSCOPE_TOKEN

Works with ``lightning`` (``lightning.pytorch``) and, when only that is installed, ``pytorch_lightning``.

What it sends and takes:

* **Metrics.** What ``self.log`` logs (``trainer.logged_metrics``): the training step's values after
  each batch, validation values when validation ends (not during the sanity check), epoch
  aggregates when a training epoch ends. Each value is sent once, when it is new. The step is the
  one Lightning's own loggers use (optimizer steps taken before the batch, so a CSV log and the
  live run agree). Names: ``train_x``/``val_x``/``valid_x``/``validation_x``/``test_x``/``eval_x``
  become ``train/x``, ``val/x``, ... (``val_acc`` → ``val/acc``, which the dashboard's phase detection
  reads as test accuracy); a trailing ``_step`` (Lightning's name for the per-step half of
  ``on_step=True, on_epoch=True``) is dropped, ``_epoch`` kept (``train_loss_epoch`` →
  ``train/loss_epoch``); a name with a ``/`` is kept as logged. With ``log_lr`` (default) the first
  optimizer's learning rate is sent as ``lr`` each step.
* **The run.** Its id is the logger's version folder (``version_3``, as trainscope names a
  Lightning ``metrics.csv`` folder), else the module's class name; its ``config`` the module's (and
  datamodule's) ``hparams`` with a few trainer settings under ``trainer``; ``model`` the module's class.
* **Knobs** ``lr`` and ``weight_decay`` (``knobs=`` chooses, ``momentum`` too) on every optimizer's
  param groups, applied in ``on_train_batch_end`` (after Lightning's per-step scheduler update), so
  the next batch uses them; with schedulers ``lr`` is their base rate and a change rescales the
  schedule (see :mod:`trainscope._optim`). **Pause** blocks there until resume; **stop** sets
  ``trainer.should_stop``.
* **DDP**: only global rank 0 sends (``all_ranks=True``: every rank, as ``RUN/rankN``); rank 0's
  changes, pause and stop are broadcast each batch so every rank applies them at the same step.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Dict, Optional, Sequence, Tuple, Union

if TYPE_CHECKING:
    from lightning.pytorch import Callback
else:
    try:
        from lightning.pytorch import Callback
    except ImportError:  # only the older standalone package is installed
        from pytorch_lightning import Callback

from ._events import jsonable
from ._optim import DEFAULT_KNOBS, optimizer_knob_specs
from ._steering import rank_client, steer
from .client import Client

__all__ = ["TrainscopeCallback", "metric_name"]

_PREFIXES = ("train", "val", "valid", "validation", "test", "eval")
_TRAINER_SETTINGS = ("max_epochs", "max_steps", "accumulate_grad_batches", "gradient_clip_val", "precision", "world_size")


def metric_name(key: str) -> str:
    """A Lightning metric name as trainscope names it: ``train_loss_step`` → ``train/loss``, ``val_acc`` → ``val/acc``."""
    if "/" in key:
        return key
    if key.endswith("_step") and len(key) > len("_step"):
        key = key[: -len("_step")]
    for prefix in _PREFIXES:
        if key.startswith(prefix + "_") and len(key) > len(prefix) + 1:
            return prefix + "/" + key[len(prefix) + 1:]
    return key


def _scalar(value: Any) -> Optional[float]:
    """A one-element tensor or a number as a float; None for anything else."""
    if isinstance(value, bool):
        return None
    numel = getattr(value, "numel", None)
    if callable(numel) and numel() != 1:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _step(trainer: Any) -> int:
    """The step Lightning's loggers log at: optimizer steps taken before the current batch."""
    loop = getattr(getattr(trainer, "fit_loop", None), "epoch_loop", None)
    return int(getattr(loop, "_batches_that_stepped", trainer.global_step))


class TrainscopeCallback(Callback):
    """Streams a Lightning ``Trainer``'s logged metrics to trainscope and applies its knobs, pause and stop.

    Args:
        url, task, token: as :class:`trainscope.Client`.
        run: the run id (default: the logger's version folder, else the module's class name).
        model: the model's description (default: the module's class name).
        config: extra config entries, on top of the hparams.
        knobs: optimizer knobs to declare: names (``("lr", "weight_decay", "momentum")``) or a mapping
            of name to spec overrides; ``()`` declares none.
        all_ranks: every rank sends, as ``RUN/rankN``.
        log_lr: send the first optimizer's learning rate as ``lr`` each step.
        client: a client of your own (not closed here); the other arguments then are not used.
    """

    def __init__(
        self,
        url: Optional[str] = None,
        run: Optional[str] = None,
        task: Optional[str] = None,
        model: Optional[str] = None,
        config: Optional[Mapping[str, Any]] = None,
        knobs: Union[Sequence[str], Mapping[str, Any]] = DEFAULT_KNOBS,
        all_ranks: bool = False,
        token: Optional[str] = None,
        log_lr: bool = True,
        client: Optional[Client] = None,
    ) -> None:
        super().__init__()
        self._url = url
        self._run = run
        self._task = task
        self._model = model
        self._config = dict(config or {})
        self._knobs = knobs
        self._all_ranks = all_ranks
        self._token = token
        self._log_lr = log_lr
        self._given = client
        self._own: Optional[Client] = None
        # metric → (the object last seen, the step and value last sent, whether sent after a batch)
        self._sent: Dict[str, Tuple[Any, int, float, bool]] = {}

    @property
    def client(self) -> Optional[Client]:
        """The client events go through (None before training starts and on ranks that do not send)."""
        return self._given if self._given is not None else self._own

    def _run_id(self, trainer: Any, pl_module: Any) -> str:
        if self._run:
            return self._run
        log_dir = getattr(trainer.logger, "log_dir", None) if trainer.logger is not None else None
        name = os.path.basename(os.path.normpath(str(log_dir))) if log_dir else ""
        return name or type(pl_module).__name__

    def _config_of(self, trainer: Any, pl_module: Any) -> Dict[str, Any]:
        config: Dict[str, Any] = {}
        datamodule = getattr(trainer, "datamodule", None)
        for source in (datamodule, pl_module):
            hparams = getattr(source, "hparams", None)
            if isinstance(hparams, Mapping):
                config.update(jsonable(dict(hparams)))
        settings = {name: getattr(trainer, name, None) for name in _TRAINER_SETTINGS}
        config["trainer"] = jsonable({k: v for k, v in settings.items() if v is not None})
        config.update(self._config)
        return config

    # ------------------------------------------------------------------ Lightning hooks

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        """Announces the run with its config and the optimizers' knobs."""
        self._sent = {}
        if self._given is not None or self._own is not None:
            return
        specs: Dict[str, Dict[str, Any]] = {}
        if self._knobs:
            specs = optimizer_knob_specs(trainer.optimizers, self._knobs, trainer.lr_scheduler_configs)
        self._own = rank_client(
            int(trainer.global_rank), self._all_ranks, self._run_id(trainer, pl_module), url=self._url,
            task=self._task, model=self._model or type(pl_module).__name__,
            config=self._config_of(trainer, pl_module), knobs=specs, token=self._token,
        )

    def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
        """Sends the batch's new metrics, then waits out a pause, applies knob changes and honours stop."""
        step = _step(trainer)
        extra: Dict[str, float] = {}
        if self._log_lr and trainer.optimizers:
            lr = _scalar(trainer.optimizers[0].param_groups[0].get("lr"))
            if lr is not None:
                extra["lr"] = lr
        self._send_new(trainer, step, batch=True, extra=extra)
        controls = steer(self.client, step + 1, trainer.optimizers, trainer.lr_scheduler_configs)
        if controls.stop:
            trainer.should_stop = True

    def on_validation_end(self, trainer: Any, pl_module: Any) -> None:
        """Sends the validation epoch's metrics (not the sanity check's)."""
        if not trainer.sanity_checking:
            self._send_new(trainer, _step(trainer))

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        """Sends the epoch's aggregates, at the epoch's last step as Lightning's loggers do."""
        self._send_new(trainer, max(_step(trainer) - 1, 0))

    def on_train_end(self, trainer: Any, pl_module: Any) -> None:
        """Sends what is new (at the last step) and closes the client this callback made."""
        self._send_new(trainer, max(_step(trainer) - 1, 0))
        self.close()

    def on_exception(self, trainer: Any, pl_module: Any, exception: BaseException) -> None:
        """Closes the client this callback made (sending what is queued, bounded)."""
        self.close()

    def _send_new(self, trainer: Any, step: int, batch: bool = False, extra: Optional[Dict[str, float]] = None) -> None:
        """Sends the logged values that are new.

        New: logged again (Lightning makes a new tensor each time), and not a value already sent
        that another kind of hook recomputed as a new tensor (the end of validation or of an epoch
        recomputes the training step's values; the next batch sees the epoch's aggregates anew).
        """
        client = self.client
        if client is None or not client.enabled:
            return
        values: Dict[str, float] = {}
        for key, value in dict(trainer.logged_metrics).items():
            number = _scalar(value)
            last = self._sent.get(key)
            if number is None or (last is not None and last[0] is value):
                continue
            if last is not None and last[2] == number and (last[1] == step or last[3] != batch):
                self._sent[key] = (value, last[1], number, last[3])
                continue
            self._sent[key] = (value, step, number, batch)
            values[metric_name(str(key))] = number
        values.update(extra or {})
        if values:
            client.log(step, values)

    def close(self) -> None:
        """Closes the client this callback made; the next ``fit`` opens a new one."""
        if self._own is not None:
            self._own.close()
            self._own = None
