#!/usr/bin/env python3
"""Regenerate the "real writer" fixtures and expected.json.

Every fixture here is written by the library users actually have, not by a re-implementation:
  summarywriter/        torch.utils.tensorboard.SummaryWriter (real torch)
  lightning_logs/       lightning.pytorch.loggers.CSVLogger (version_0: a real Trainer run,
                        version_1: direct log_hyperparams / log_metrics / save calls)
  hf_output/            transformers.Trainer (tiny torch model, CPU), weights etc. deleted
  mlruns/               mlflow (mlflow-skinny) file store, set_tracking_uri("file:" + path)
expected.json is produced by READING the files back with each writer's own reader
(tensorboard RawEventFileLoader + event_pb2 / EventAccumulator, csv.DictReader + yaml.safe_load,
json.load, MlflowClient), never from the values we meant to write.

Run via make_fixtures.sh (it makes sure Benchmarks/.venv-writers has the pinned packages), or:
    Benchmarks/.venv-writers/bin/python Tests/IngestTests/Fixtures/writers/make_fixtures.py
"""

import os

# Before any import that reads them.
os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")  # mlflow 3.x refuses ./mlruns without it
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("PYTHONHASHSEED", "0")

import csv
import glob
import importlib.metadata
import json
import logging
import math
import shutil
import subprocess
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
HOST_FREE = "trainscope-fixture"
DBL_MAX = sys.float_info.max

warnings.filterwarnings("ignore")
torch.set_num_threads(1)


def quiet_loggers():
    """The libraries set their own logger levels on import; call after importing them."""
    for name in ("lightning", "lightning.pytorch", "lightning.fabric", "lightning.pytorch.utilities.rank_zero",
                 "lightning.fabric.utilities.rank_zero", "mlflow", "mlflow.tracking.fluent"):
        logging.getLogger(name).setLevel(logging.ERROR)


def num(x):
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def jsonable(o):
    """Recursively replace non-finite floats by the "NaN"/"Infinity"/"-Infinity" strings."""
    if isinstance(o, float):
        return num(o)
    if isinstance(o, dict):
        return {k: jsonable(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [jsonable(v) for v in o]
    return o


def versions():
    names = ["torch", "tensorboard", "lightning", "transformers", "accelerate", "mlflow-skinny", "numpy",
             "PyYAML", "pillow", "protobuf"]
    out = {}
    for n in names:
        try:
            out[n] = importlib.metadata.version(n)
        except importlib.metadata.PackageNotFoundError:
            out[n] = None
    return out


def remove_empty_dirs(root):
    """git does not keep empty directories, so neither may the fixture (expected.json must match a checkout)."""
    for dp, dns, fns in os.walk(root, topdown=False):
        if dp != root and not os.listdir(dp):
            os.rmdir(dp)


# =============================================================================================
# 1. torch.utils.tensorboard.SummaryWriter


def tiny_model():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))


def write_summarywriter(root):
    from torch.utils.tensorboard import SummaryWriter

    torch.manual_seed(0)
    model = tiny_model()
    x = torch.randn(64, 4)
    y = (x[:, 0] + x[:, 1] > 0).long()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    w = SummaryWriter(log_dir=root, flush_secs=3600)
    w.add_graph(model, torch.zeros(1, 4))
    acc = 0.0
    for step in range(30):
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        acc = (logits.argmax(1) == y).float().mean().item()
        w.add_scalar("train/loss", loss.item(), step)
        w.add_scalar("train/acc", acc, step)
        lr = 0.1 * (0.5 ** (step // 10))
        # Creates the sub-run directories lr_and_mom_lr/ and lr_and_mom_momentum/ (tag "lr_and_mom" in each).
        w.add_scalars("lr_and_mom", {"lr": lr, "momentum": 0.9 - 0.01 * (step // 10)}, step)
        if step % 10 == 0 or step == 29:
            w.add_histogram("weights/fc1", model[0].weight, step)  # default bins="tensorflow"
        if step in (0, 20):
            w.add_text("notes", "step %d: lr=%g, **markdown** and `code` are fine" % (step, lr), step)
        if step in (0, 29):
            w.add_image("inputs/sample", torch.rand(3, 8, 8), step)  # CHW, float in [0, 1]
    t = torch.arange(400, dtype=torch.float32) / 8000.0
    w.add_audio("audio/beep", (0.5 * torch.sin(2 * math.pi * 440.0 * t)).unsqueeze(0), 29, sample_rate=8000)
    # Creates its own sub-run directory named str(time.time()).
    w.add_hparams({"lr": 0.1, "optimizer": "sgd", "width": 8, "nesterov": False}, {"hparam/acc": acc})
    w.close()

    # Replace <host>.<pid>.<uid> in the writer's file names (events.out.tfevents.%010d.<host>.<pid>.<uid>).
    index = 0
    for dp, _, fns in sorted(os.walk(root)):
        for fn in sorted(fns):
            if fn.startswith("events.out.tfevents."):
                stamp = fn.split(".")[3]
                os.rename(os.path.join(dp, fn),
                          os.path.join(dp, "events.out.tfevents.%s.%s.%d" % (stamp, HOST_FREE, index)))
                index += 1


def read_summarywriter(root):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
    from tensorboard.compat.proto import event_pb2

    from google.protobuf import json_format
    from tensorboard import data_compat
    from tensorboard.compat.proto import graph_pb2
    from tensorboard.plugins.hparams import api_pb2
    from tensorboard.plugins.hparams import plugin_data_pb2 as hparams_pb2
    from tensorboard.util import tensor_util

    out = {"files": {}, "scalars": [], "histograms": [], "counts": {}, "texts": [], "images": [], "audio": [],
           "graphs": [], "hparams": []}
    for dp, _, fns in sorted(os.walk(root)):
        files = sorted(f for f in fns if f.startswith("events.out.tfevents."))
        if not files:
            continue
        run = os.path.relpath(dp, root)
        out["files"][run] = [os.path.relpath(os.path.join(dp, f), HERE) for f in files]
        counts = {}
        plugin_of = {}  # tag -> plugin name from the first value carrying metadata (TensorBoard's rule)

        def bump(kind):
            counts[kind] = counts.get(kind, 0) + 1

        for f in files:
            for raw in RawEventFileLoader(os.path.join(dp, f)).Load():
                e = event_pb2.Event.FromString(raw)
                what = e.WhichOneof("what")
                if what != "summary":
                    bump({"graph_def": "graph"}.get(what, what))
                    if what == "graph_def":
                        g = graph_pb2.GraphDef.FromString(e.graph_def)
                        out["graphs"].append({"run": run, "step": e.step, "graph_def_bytes": len(e.graph_def),
                                              "nodes": len(g.node), "node_names": [n.name for n in g.node]})
                    continue
                for v in e.summary.value:
                    if v.HasField("metadata") and v.tag not in plugin_of:
                        plugin_of[v.tag] = v.metadata.plugin_data.plugin_name
                    which = v.WhichOneof("value")
                    base = {"run": run, "tag": v.tag, "step": e.step}
                    if which == "simple_value":
                        out["scalars"].append(dict(base, value=num(v.simple_value), wall_time=e.wall_time))
                    elif which == "histo":
                        h = v.histo
                        limits = list(h.bucket_limit)
                        if limits and limits[-1] == DBL_MAX:
                            limits[-1] = h.max
                        edges = [h.min] + limits
                        tb = tensor_util.make_ndarray(data_compat.migrate_value(v).tensor).astype(np.float64).tolist()
                        out["histograms"].append(dict(
                            base, edges=edges, counts=list(h.bucket), min=h.min, max=h.max,
                            num=h.num, sum=h.sum, sum_squares=h.sum_squares,
                            last_bucket_limit_was_dbl_max=bool(h.bucket_limit) and h.bucket_limit[-1] == DBL_MAX,
                            edges_nondecreasing=all(a <= b for a, b in zip(edges, edges[1:])),
                            tensorboard_buckets=tb, wall_time=e.wall_time))
                    elif which == "image":
                        bump("image")
                        im = v.image
                        out["images"].append(dict(base, height=im.height, width=im.width, colorspace=im.colorspace,
                                                  png_bytes=len(im.encoded_image_string),
                                                  png_signature_ok=im.encoded_image_string[:8] == b"\x89PNG\r\n\x1a\n"))
                    elif which == "audio":
                        bump("audio")
                        a = v.audio
                        out["audio"].append(dict(base, sample_rate=a.sample_rate, num_channels=a.num_channels,
                                                 length_frames=a.length_frames, content_type=a.content_type,
                                                 wav_bytes=len(a.encoded_audio_string)))
                    elif which == "tensor":
                        plugin = plugin_of.get(v.tag, "")
                        bump(plugin or "tensor")
                        if plugin == "text":
                            for s in v.tensor.string_val:
                                out["texts"].append(dict(base, text=s.decode("utf-8")))
                    else:
                        # e.g. torch's add_hparams: values carrying only plugin metadata (no value oneof set).
                        plugin = plugin_of.get(v.tag)
                        bump(plugin or which or "empty")
                        if plugin == "hparams":
                            pd = hparams_pb2.HParamsPluginData.FromString(v.metadata.plugin_data.content)
                            part = pd.WhichOneof("data")
                            entry = dict(base, kind=part)
                            if part == "session_start_info":
                                entry["hparams"] = {k: json_format.MessageToDict(x) for k, x in
                                                    sorted(pd.session_start_info.hparams.items())}
                            elif part == "experiment":
                                entry["hparam_names"] = [i.name for i in pd.experiment.hparam_infos]
                                entry["metric_tags"] = [m.name.tag for m in pd.experiment.metric_infos]
                            elif part == "session_end_info":
                                entry["status"] = api_pb2.Status.Name(pd.session_end_info.status)
                            out["hparams"].append(entry)
        out["counts"][run] = dict(sorted(counts.items()))

        # Cross-check scalars with TensorBoard's own EventAccumulator.
        acc = EventAccumulator(dp, size_guidance={"scalars": 0, "histograms": 0, "tensors": 0})
        acc.Reload()
        mine = sorted((s["tag"], s["step"], str(s["value"])) for s in out["scalars"] if s["run"] == run)
        theirs = sorted((t, ev.step, str(num(ev.value))) for t in acc.Tags()["scalars"] for ev in acc.Scalars(t))
        assert mine == theirs, (run, mine[:3], theirs[:3])
        hmine = sorted((h["tag"], h["step"]) for h in out["histograms"] if h["run"] == run)
        htheirs = sorted((t, ev.step) for t in acc.Tags()["histograms"] for ev in acc.Histograms(t))
        assert hmine == htheirs, (run, hmine, htheirs)
    return out


# =============================================================================================
# 2. Lightning CSVLogger


def write_lightning(save_dir):
    import lightning.pytorch as pl
    from lightning.pytorch.loggers import CSVLogger

    quiet_loggers()

    # version_0: a real (tiny, CPU) Trainer run.
    class Tiny(pl.LightningModule):
        def __init__(self, lr=0.05, width=8, optimizer="adam", use_bias=True,
                     schedule={"name": "cosine", "warmup_steps": 2, "min_lr": 0.0001}):
            super().__init__()
            self.save_hyperparameters()
            self.net = nn.Sequential(nn.Linear(4, width, bias=use_bias), nn.ReLU(), nn.Linear(width, 2))

        def training_step(self, batch, _):
            x, y = batch
            loss = F.cross_entropy(self.net(x), y)
            self.log("train_loss", loss)
            return loss

        def validation_step(self, batch, _):
            x, y = batch
            logits = self.net(x)
            self.log("val_loss", F.cross_entropy(logits, y))
            self.log("val_acc", (logits.argmax(1) == y).float().mean())

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)

    pl.seed_everything(0, verbose=False)
    x = torch.randn(80, 4)
    y = (x[:, 0] - x[:, 2] > 0).long()
    ds = torch.utils.data.TensorDataset(x, y)
    train = torch.utils.data.DataLoader(ds, batch_size=8, shuffle=False)
    val = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x[:32], y[:32]), batch_size=16)
    trainer = pl.Trainer(
        default_root_dir=save_dir, logger=CSVLogger(save_dir, name="lightning_logs"), max_epochs=2,
        limit_train_batches=10, val_check_interval=5, log_every_n_steps=1, num_sanity_val_steps=0,
        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
        accelerator="cpu", devices=1, deterministic=True)
    trainer.fit(Tiny(), train, val)

    # version_1: the logger driven directly (what a hand-written loop or Fabric user does). train_loss every
    # step (NaN at step 7, +inf at step 8), val_loss every 5 steps, a key first seen after the first flush
    # (test_acc, forcing the header rewrite), and flushes every 10 steps.
    logger = CSVLogger(save_dir, name="lightning_logs", flush_logs_every_n_steps=10)
    assert logger.version == 1, logger.version
    logger.log_hyperparams({"lr": 0.003, "batch_size": 32, "optimizer": "adamw", "amp": False,
                            "model": {"depth": 2, "width": 64, "dropout": 0.1, "activation": "gelu"},
                            "tags": ["baseline", "csv"]})
    for step in range(25):
        epoch = step // 10
        loss = 2.0 * math.exp(-step / 8.0) + 0.1
        if step == 7:
            loss = float("nan")
        elif step == 8:
            loss = float("inf")
        logger.log_metrics({"train_loss": loss, "epoch": epoch}, step=step)
        if step % 5 == 4:
            logger.log_metrics({"val_loss": 1.5 * math.exp(-step / 10.0) + 0.2, "epoch": epoch}, step=step)
    logger.log_metrics({"test_acc": 0.875, "epoch": 2}, step=24)
    logger.save()
    logger.finalize("success")


def parse_csv_value(s):
    try:
        return num(float(s))
    except ValueError:
        return s


def read_lightning(root):
    out = {}
    for vdir in sorted(glob.glob(os.path.join(root, "version_*"))):
        path = os.path.join(vdir, "metrics.csv")
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            header = list(reader.fieldnames)
            rows = list(reader)
        metrics = {}
        for row in rows:
            step = int(row["step"])
            for k in header:
                if k == "step" or row[k] == "":
                    continue
                metrics.setdefault(k, []).append({"step": step, "value": parse_csv_value(row[k]), "raw": row[k]})
        with open(os.path.join(vdir, "hparams.yaml")) as f:
            hparams = yaml.safe_load(f)
        out[os.path.basename(vdir)] = {
            "metrics_file": os.path.relpath(path, HERE), "hparams_file": os.path.relpath(os.path.join(vdir, "hparams.yaml"), HERE),
            "header": header, "rows": len(rows), "metrics": metrics, "hparams": jsonable(hparams)}
    return out


# =============================================================================================
# 3. Hugging Face transformers.Trainer


class HFTiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = tiny_model()

    def forward(self, x, labels=None):
        logits = self.net(x)
        loss = F.cross_entropy(logits, labels) if labels is not None else None
        return {"loss": loss, "logits": logits}


class HFData(torch.utils.data.Dataset):
    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.x = torch.randn(n, 4, generator=g)
        self.y = (self.x[:, 1] + self.x[:, 3] > 0).long()

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"x": self.x[i], "labels": int(self.y[i])}


def write_hf(out_dir):
    import transformers
    from transformers import PrinterCallback, Trainer, TrainingArguments

    transformers.logging.set_verbosity_error()
    transformers.set_seed(0)
    args = TrainingArguments(
        output_dir=out_dir, max_steps=12, per_device_train_batch_size=8, per_device_eval_batch_size=16,
        learning_rate=0.05, logging_steps=2, eval_strategy="steps", eval_steps=4, save_strategy="steps",
        save_steps=6, report_to=[], use_cpu=True, seed=0, disable_tqdm=True, dataloader_num_workers=0)
    trainer = Trainer(model=HFTiny(), args=args, train_dataset=HFData(64, 1), eval_dataset=HFData(32, 2))
    trainer.remove_callback(PrinterCallback)  # only prints the log dicts to stdout
    trainer.train()
    trainer.save_state()  # writes <output_dir>/trainer_state.json
    deleted = []
    for dp, _, fns in os.walk(out_dir):
        for fn in fns:
            if fn.endswith((".safetensors", ".bin", ".pt", ".pth")):
                os.remove(os.path.join(dp, fn))
                deleted.append(fn)
    remove_empty_dirs(out_dir)
    return sorted(set(deleted))


def read_hf(root):
    files = [os.path.join(root, "trainer_state.json")] if os.path.exists(os.path.join(root, "trainer_state.json")) else []
    ckpts = glob.glob(os.path.join(root, "checkpoint-*", "trainer_state.json"))
    files += sorted(ckpts, key=lambda p: int(os.path.basename(os.path.dirname(p)).split("-")[1]))
    out = []
    for p in files:
        with open(p) as f:
            state = json.load(f)
        out.append({"file": os.path.relpath(p, HERE), "global_step": state["global_step"], "epoch": state.get("epoch"),
                    "max_steps": state.get("max_steps"), "log_history": jsonable(state["log_history"])})
    return out


# =============================================================================================
# 4. MLflow file store


def write_mlflow(root):
    import mlflow

    quiet_loggers()
    mlflow.set_tracking_uri("file:" + root)
    mlflow.set_experiment("trainscope-fixture")
    rng = np.random.default_rng(0)
    for name, lr, opt, width in (("baseline-sgd", 0.1, "sgd", 32), ("adam-wide", 0.001, "adam", 128)):
        # Explicit user/source tags: otherwise mlflow records the OS user and this script's absolute path.
        with mlflow.start_run(run_name=name, tags={"mlflow.user": HOST_FREE, "mlflow.source.name": "make_fixtures.py"}):
            mlflow.log_params({"lr": lr, "optimizer": opt, "width": width})
            for step in range(12):
                loss = 2.0 * math.exp(-step * lr * (5 if opt == "sgd" else 300)) + 0.05 * float(rng.random())
                if name == "adam-wide" and step == 6:
                    loss = float("nan")
                mlflow.log_metric("train/loss", loss, step=step)
                if step % 4 == 3:
                    mlflow.log_metric("val_acc", 0.5 + 0.04 * step, step=step)
            # The same metric logged twice at the same step (a re-evaluation): both lines are kept.
            mlflow.log_metric("val_acc", 0.97, step=11)
            # One batch call (log_batch under the hood), no explicit step -> step 0.
            mlflow.log_metrics({"final/params_m": width * 0.01, "final/epochs": 3})
            # A tiny artifact, so <run>/artifacts/ is not empty: mlflow's FileStore only finds runs whose
            # metrics/, params/ AND artifacts/ directories exist, and git drops empty directories.
            mlflow.log_text("%s: lr=%g optimizer=%s width=%d\n" % (name, lr, opt, width), "notes.txt")
    remove_empty_dirs(root)


def read_mlflow(root):
    import mlflow
    from mlflow.tracking import MlflowClient

    mlflow.set_tracking_uri("file:" + root)
    client = MlflowClient()
    exps = []
    for exp in sorted(client.search_experiments(), key=lambda e: e.experiment_id):
        runs = []
        for r in sorted(client.search_runs([exp.experiment_id]), key=lambda r: r.info.start_time):
            metrics = {}
            for key in sorted(r.data.metrics):
                metrics[key] = [{"step": m.step, "value": num(m.value), "timestamp": m.timestamp}
                                for m in client.get_metric_history(r.info.run_id, key)]
            runs.append({
                "run_id": r.info.run_id, "run_name": r.info.run_name, "status": r.info.status,
                "dir": os.path.relpath(os.path.join(root, exp.experiment_id, r.info.run_id), HERE),
                "start_time": r.info.start_time, "end_time": r.info.end_time,
                "params": dict(sorted(r.data.params.items())), "tags": dict(sorted(r.data.tags.items())),
                "latest_metrics": jsonable(dict(sorted(r.data.metrics.items()))), "metrics": metrics})
        exps.append({"experiment_id": exp.experiment_id, "name": exp.name,
                     "dir": os.path.relpath(os.path.join(root, exp.experiment_id), HERE), "runs": runs})
    return {"experiments": exps}


def read_mlflow_fresh(root):
    """read_mlflow in a fresh interpreter: mlflow caches its store per URI (and the cached FileStore
    expects the empty .trash/ it made), while the committed store, like a git checkout of it, has no empty
    directories. A fresh FileStore re-creates .trash/ on open, so prune again afterwards."""
    res = subprocess.run([sys.executable, os.path.abspath(__file__), "--read-mlflow", root],
                         check=True, stdout=subprocess.PIPE, text=True)
    remove_empty_dirs(root)
    return json.loads(res.stdout)


# =============================================================================================


def dump(o, ind=""):
    """JSON, one line per short record; json.dumps floats are repr, round-trip exact."""
    flat = json.dumps(o, allow_nan=False, ensure_ascii=False)
    is_records = isinstance(o, list) and o and isinstance(o[0], dict)
    if not is_records and (not isinstance(o, dict) or (len(flat) <= 200 and not any(
            isinstance(v, dict) or (isinstance(v, list) and v and isinstance(v[0], dict)) for v in o.values()))):
        return flat
    if is_records and len(flat) <= 200:
        return flat
    inner = ind + " "
    if isinstance(o, dict):
        items = ["%s%s: %s" % (inner, json.dumps(k, ensure_ascii=False), dump(v, inner)) for k, v in o.items()]
        return "{\n" + ",\n".join(items) + "\n" + ind + "}"
    return "[\n" + ",\n".join(inner + dump(v, inner) for v in o) + "\n" + ind + "]"


CONVENTION = {
    "numbers": "floats are float64 exactly as decoded by the reader named per section (json repr round-trips); "
               "non-finite values are the strings 'NaN', 'Infinity', '-Infinity'. Paths are relative to this "
               "directory (Tests/IngestTests/Fixtures/writers).",
    "summarywriter": "Read with tensorboard's RawEventFileLoader + event_pb2 (scalars and histogram tags/steps "
                     "cross-checked with EventAccumulator). run = directory relative to summarywriter/ ('.' for "
                     "the top). scalars: every Summary.Value.simple_value (float32 widened to float64), in file "
                     "order. histograms: torch's HistogramProto; edges = [min] + bucket_limit, with a last "
                     "bucket_limit equal to DBL_MAX replaced by max (torch's default bins never produce DBL_MAX; "
                     "flag last_bucket_limit_was_dbl_max says whether it happened); counts = bucket; "
                     "len(edges) == len(counts) + 1; bucket i covers [edges[i], edges[i+1]] (same convention as "
                     "../tensorboard/README.md). CAUTION: with torch's default bins='tensorflow' the leading "
                     "zero-count bucket's right edge bucket_limit[0] is the LEFT edge of the first non-empty "
                     "default bin, which is < min, so edges[0] > edges[1] (edges_nondecreasing: false) and the "
                     "last edge is > max. tensorboard_buckets = what TensorBoard itself displays (data_compat: "
                     "drop empty end buckets, lefts = [min] + inner limits, rights = inner limits + [max], "
                     "float32 values widened) as [left, right, count] rows; always non-decreasing. "
                     "counts: per run, number of non-scalar, non-histogram records by kind: per Summary.Value "
                     "'image', 'audio' (Value oneof) or the plugin name of tensor values ('text', 'hparams', ...); "
                     "per Event 'file_version', 'graph' (Event.graph_def), 'tagged_run_metadata', ... "
                     "texts: add_text strings (plugin 'text', DT_STRING string_val) with run/tag/step. "
                     "images/audio: one entry per Summary.Value.image/.audio with its header fields and the "
                     "encoded byte length. graphs: one per Event.graph_def (GraphDef node count and names). "
                     "hparams: one per hparams-plugin value (HParamsPluginData, decoded with tensorboard's "
                     "protos): kind 'experiment' (hparam_names, metric_tags), 'session_start_info' (hparams as "
                     "protobuf JSON of google.protobuf.Value: numberValue/stringValue/boolValue), "
                     "'session_end_info' (status).",
    "lightning_logs": "Per version_N: metrics.csv read with csv.DictReader; header = fieldnames in file order; "
                      "rows = number of data rows; metrics[column] = the non-empty cells of that column in row "
                      "order as {step: int(row['step']), value: float(raw) (NaN/Infinity as strings), raw: the "
                      "cell text}; the 'epoch' column is included like any metric, 'step' is not. hparams = "
                      "yaml.safe_load(hparams.yaml).",
    "hf_output": "One entry per trainer_state.json (top-level first, then checkpoint-N by N): json.load'ed "
                 "global_step, epoch, max_steps and log_history exactly as stored (keys as transformers wrote "
                 "them).",
    "mlruns": "Read with MlflowClient: search_experiments, search_runs, get_metric_history(run_id, key) for every "
              "key (history order = file line order; duplicate steps kept); latest_metrics = run.data.metrics "
              "(mlflow's own latest-value rule); params and tags as mlflow returns them (strings). Timestamps are "
              "ms since the epoch.",
}


def main():
    outs = {k: os.path.join(HERE, k) for k in ("summarywriter", "lightning_logs", "hf_output", "mlruns")}
    for d in outs.values():
        shutil.rmtree(d, ignore_errors=True)

    write_summarywriter(outs["summarywriter"])
    write_lightning(HERE)  # -> lightning_logs/version_0, version_1
    deleted = write_hf(outs["hf_output"])
    write_mlflow(outs["mlruns"])

    expected = {
        "generator": "make_fixtures.py; each fixture written by the real library, read back with its own reader",
        "versions": versions(),
        "convention": CONVENTION,
        "summarywriter": read_summarywriter(outs["summarywriter"]),
        "lightning_logs": read_lightning(outs["lightning_logs"]),
        "hf_output": {"deleted_file_names": deleted, "trainer_states": read_hf(outs["hf_output"])},
        "mlruns": read_mlflow_fresh(outs["mlruns"]),
    }
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        f.write(dump(expected) + "\n")

    total = sum(os.path.getsize(os.path.join(dp, fn)) for dp, _, fns in os.walk(HERE) for fn in fns
                if "__pycache__" not in dp)
    print("writer fixtures written under %s (%d bytes total incl. scripts)" % (HERE, total))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--read-mlflow":
        print(json.dumps(read_mlflow(sys.argv[2])))
        sys.exit(0)
    sys.exit(main())
