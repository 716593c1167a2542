#!/usr/bin/env python3
"""A Hugging Face Trainer run streamed to trainscope: one callback, nothing downloaded.

A two-layer BERT with 32 hidden units, built from a config, learns a synthetic sequence rule (the
label says whether the token after [CLS] is at least half the vocabulary) on the CPU; the inputs
are made here, so no tokenizer or weights come from the hub. ``TrainscopeCallback`` sends what the
Trainer logs (``train/loss``, ``train/learning_rate``, ``train/grad_norm``, ``eval/loss``,
``eval/accuracy``; the names trainscope gives the run's ``trainer_state.json``) and applies the
dashboard's ``lr`` and ``weight_decay`` knobs, pause and stop::

    trainer = Trainer(model, args, train_dataset=..., callbacks=[TrainscopeCallback()])

    trainscope watch unix:                       # prints: export TRAINSCOPE_TOKEN=...
    python3 Samples/python/hf_trainer_example.py --url unix:
    python3 Samples/python/hf_trainer_example.py > run.jsonl       # no dashboard: NDJSON on stdout

Needs ``transformers`` with its Trainer requirements (``pip install 'transformers[torch]'``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from typing import Any, Dict

import numpy as np
import torch
from transformers import BertConfig, BertForSequenceClassification, PrinterCallback, Trainer, TrainingArguments

try:
    import trainscope  # noqa: F401  (pip install ./python)
except ImportError:  # a checkout that is not installed: use its source tree
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python", "src"))

from trainscope.huggingface import TrainscopeCallback  # noqa: E402

VOCAB = 64


class Sequences(torch.utils.data.Dataset):  # type: ignore[type-arg]
    """Random token sequences after a [CLS] token; label 1 when the second token is in the upper half."""

    def __init__(self, n: int, length: int, seed: int) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(2, VOCAB, (n, length), generator=generator)
        self.ids[:, 0] = 1  # [CLS]

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> Dict[str, Any]:
        ids = self.ids[i]
        return {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": int(ids[1] >= VOCAB // 2)}


def accuracy(prediction: Any) -> Dict[str, float]:
    return {"accuracy": float((np.argmax(prediction.predictions, -1) == prediction.label_ids).mean())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=None, help="unix:PATH, tcp://HOST:PORT, - or a .jsonl file (default: $TRAINSCOPE_URL, else stdout)")
    parser.add_argument("--output-dir", default=None, help="the Trainer's output_dir; its name is the run id (default: a temporary bert-tiny)")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    output_dir = args.output_dir or os.path.join(tempfile.mkdtemp(prefix="trainscope-hf-"), "bert-tiny")
    config = BertConfig(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=32, num_labels=2)
    training = TrainingArguments(
        output_dir=output_dir, max_steps=args.steps, per_device_train_batch_size=32, learning_rate=args.lr,
        warmup_steps=20, weight_decay=0.01, logging_steps=5, eval_strategy="steps", eval_steps=25,
        save_strategy="no", report_to="none", use_cpu=True, disable_tqdm=True, seed=args.seed,
    )
    callback = TrainscopeCallback(url=args.url, task="upper-half")
    trainer = Trainer(model=BertForSequenceClassification(config), args=training, train_dataset=Sequences(2048, 16, 1),
                      eval_dataset=Sequences(256, 16, 2), compute_metrics=accuracy, callbacks=[callback])
    trainer.remove_callback(PrinterCallback)  # it prints the logs on stdout, where the events may go
    where = args.url or os.environ.get("TRAINSCOPE_URL") or "stdout"
    main_process = training.process_index == 0
    if main_process:
        print(f"hf_trainer_example: run {os.path.basename(output_dir)!r} to {where}", file=sys.stderr)
    start = time.time()
    trainer.train()
    accuracy_at_end = trainer.state.log_history[-2].get("eval_accuracy")
    if main_process:
        print(f"hf_trainer_example: {trainer.state.global_step} steps in {time.time() - start:.1f} s, "
              f"eval accuracy {accuracy_at_end}", file=sys.stderr)


if __name__ == "__main__":
    main()
