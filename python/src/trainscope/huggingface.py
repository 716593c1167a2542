"""A Hugging Face ``Trainer`` callback: the Trainer's logs stream to trainscope, its knobs steer the optimizer.

    from trainscope.huggingface import TrainscopeCallback

    trainer = Trainer(model, args, train_dataset=..., callbacks=[TrainscopeCallback()])
    trainer.train()                      # url: env TRAINSCOPE_URL, else stdout; token: TRAINSCOPE_TOKEN

What it sends and takes:

* **Metrics.** Everything the Trainer logs (``on_log``) at ``state.global_step``, named as the
  Trainer's own TensorBoard callback and trainscope's ``trainer_state.json`` reader name them:
  ``eval_x`` → ``eval/x``, ``test_x`` → ``test/x``, any other ``x`` → ``train/x`` (``loss`` →
  ``train/loss``, ``learning_rate`` → ``train/learning_rate``, ``epoch`` → ``train/epoch``). So a
  live run and its ``trainer_state.json`` read later look the same. Non-numeric entries are left out
  there too.
* **The run.** Its id is the output directory's name (as the ``trainer_state.json`` reader names
  it); its ``config`` the ``TrainingArguments`` (numbers, strings and booleans; ``*_token`` fields
  left out), with ``config`` given here on top; ``model`` the model's class name.
* **Knobs** ``lr`` and ``weight_decay`` (``knobs=`` chooses, ``momentum`` too): ``lr`` is the
  schedule's base rate (``learning_rate``); a change rescales the whole schedule (the scheduler's
  ``base_lrs`` and the groups' rates by new/old), so the scheduler does not overwrite it at its
  next step and warmup and decay go on from the new peak. ``weight_decay`` scales the groups that
  decay (the no-decay group of biases and norms stays at 0). Changes are applied in ``on_step_end``,
  after the scheduler's step: the next optimizer step uses them. See :mod:`trainscope._optim`.
* **Pause** blocks in ``on_step_end`` until resume; **stop** sets ``control.should_training_stop``.
* **Several processes** (torchrun, accelerate): only the main process sends (``all_ranks=True``:
  every one, as ``RUN/rankN``). When a ``torch.distributed`` group runs, rank 0's changes, pause
  and stop are broadcast in ``on_step_end`` so every rank applies them at the same step (one small
  collective per optimizer step).

The client is made in ``on_train_begin`` (or at the first log) and closed in ``on_train_end``; a
later ``trainer.evaluate()`` opens it again under the same run id. Pass ``client=`` to send
through a :class:`~trainscope.Client` of your own (then declare its knobs there:
``optimizer_knob_specs`` in :mod:`trainscope.distributed` helps); it is not closed here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Dict, Optional, Sequence, Union

from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

from ._optim import DEFAULT_KNOBS, optimizer_knob_specs
from ._steering import rank_client, steer
from .client import Client

__all__ = ["TrainscopeCallback", "metric_name"]


def metric_name(key: str) -> str:
    """A Trainer log key as trainscope names it: ``eval_loss`` → ``eval/loss``, ``test_acc`` → ``test/acc``, ``loss`` → ``train/loss``."""
    for prefix in ("eval", "test"):
        if key.startswith(prefix + "_"):
            return prefix + "/" + key[len(prefix) + 1:]
    return "train/" + key


def _config_of(args: Any) -> Dict[str, Any]:
    """The TrainingArguments as a run config: scalar values only, tokens left out."""
    to_dict = getattr(args, "to_dict", None)
    raw = to_dict() if callable(to_dict) else dict(vars(args))
    return {
        str(key): value
        for key, value in raw.items()
        if isinstance(value, (bool, int, float, str)) and not str(key).endswith("_token")
    }


class TrainscopeCallback(TrainerCallback):
    """Streams a ``transformers.Trainer``'s logs to trainscope and applies its knobs, pause and stop.

    Args:
        url, task, token: as :class:`trainscope.Client`.
        run: the run id (default: the name of ``args.output_dir``).
        model: the model's description (default: its class name).
        config: extra config entries, on top of the TrainingArguments.
        knobs: optimizer knobs to declare: names (``("lr", "weight_decay", "momentum")``) or a mapping
            of name to spec overrides (``{"lr": {"max": 1e-3}}``); ``()`` declares none.
        all_ranks: every process sends, as ``RUN/rankN``.
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
        client: Optional[Client] = None,
    ) -> None:
        self._url = url
        self._run = run
        self._task = task
        self._model = model
        self._config = dict(config or {})
        self._knobs = knobs
        self._all_ranks = all_ranks
        self._token = token
        self._given = client
        self._own: Optional[Client] = None
        self._silent = False  # this process does not send (a rank other than 0)

    @property
    def client(self) -> Optional[Client]:
        """The client events go through (None before training starts and on ranks that do not send)."""
        return self._given if self._given is not None else self._own

    def _open(self, args: TrainingArguments, kwargs: Mapping[str, Any], with_knobs: bool) -> None:
        if self._given is not None or self._own is not None or self._silent:
            return
        run = self._run or os.path.basename(os.path.normpath(str(args.output_dir or "run"))) or "run"
        model = kwargs.get("model")
        specs: Dict[str, Dict[str, Any]] = {}
        if with_knobs and self._knobs:
            specs = optimizer_knob_specs(kwargs.get("optimizer"), self._knobs, kwargs.get("lr_scheduler"))
        rank = int(getattr(args, "process_index", 0) or 0)
        self._own = rank_client(
            rank, self._all_ranks, run, url=self._url, task=self._task,
            model=self._model or (type(model).__name__ if model is not None else None),
            config={**_config_of(args), **self._config}, knobs=specs, token=self._token,
        )
        self._silent = self._own is None

    # ------------------------------------------------------------------ Trainer events

    def on_train_begin(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any) -> None:
        """Announces the run with its config and knobs."""
        self.close()  # a client opened by an evaluation before training lacks the knobs
        self._silent = False
        self._open(args, kwargs, with_knobs=True)

    def on_log(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, logs: Optional[Dict[str, Any]] = None, **kwargs: Any
    ) -> None:
        """Sends the logged numbers at ``state.global_step`` under trainscope's names."""
        if not logs:
            return
        self._open(args, kwargs, with_knobs=False)
        client = self.client
        if client is None:
            return
        values = {
            metric_name(key): value
            for key, value in logs.items()
            if isinstance(value, (int, float)) and not isinstance(value, bool)
        }
        if values:
            client.log(state.global_step, values)

    def on_step_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any) -> None:
        """Waits out a pause, applies knob changes for the next step, and ends training on stop.

        The ``knob`` events are logged at ``global_step + 1``: the first update that uses the change
        (the Trainer logs an update's loss and learning rate at its own number).
        """
        controls = steer(self.client, state.global_step + 1, kwargs.get("optimizer"), kwargs.get("lr_scheduler"))
        if controls.stop:
            control.should_training_stop = True

    def on_train_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any) -> None:
        """Closes the client this callback made (sending what is queued, bounded)."""
        self.close()

    def close(self) -> None:
        """Closes the client this callback made; a later log opens it again under the same run id."""
        if self._own is not None:
            self._own.close()
            self._own = None
