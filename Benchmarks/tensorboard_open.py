#!/usr/bin/env python3
"""Time TensorBoard's own EventAccumulator opening a large scalar log, as the peer for trainscope's reader.

Generates (once) a log dir with TensorBoard's EventFileWriter, PyTorch SummaryWriter style: one Event per
scalar, Summary.Value.simple_value, 10 tags x --steps steps (default 100000 -> 10^6 scalars, ~50 MB in one
events.out.tfevents.* file), then times
    EventAccumulator(path, size_guidance={'scalars': 0}).Reload()
and prints one line:  eventaccumulator_seconds=<float> scalars=<count read back>

Usage: Benchmarks/tensorboard_open.py LOGDIR [--steps N]
Generation is skipped when LOGDIR already holds a finished log of the same size (marker file
trainscope_bench.json). Without TensorFlow installed, TensorBoard reads through its pure-Python record
reader (tensorboard.compat.tensorflow_stub), which is what a plain `pip install tensorboard` user gets.
Runs from Benchmarks/.venv; creates it and installs tensorboard there on first use (as engine_vs_jax.sh).
"""
import argparse
import io
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_PY = os.path.join(ROOT, "Benchmarks", ".venv", "bin", "python")
TAGS = ["train/loss", "train/acc", "train/grad_norm", "train/lr", "train/weight_norm",
        "val/loss", "val/acc", "sharpness", "throughput", "gpu_mem"]
MARKER = "trainscope_bench.json"


def ensure_tensorboard():
    """Re-run this script under Benchmarks/.venv, creating it / installing tensorboard there if missing."""
    try:
        import tensorboard  # noqa: F401
        return
    except ImportError:
        pass
    if not os.path.exists(VENV_PY):
        subprocess.check_call([sys.executable, "-m", "venv", os.path.dirname(os.path.dirname(VENV_PY))])
    if subprocess.call([VENV_PY, "-c", "import tensorboard, numpy"], stderr=subprocess.DEVNULL) != 0:
        subprocess.check_call([VENV_PY, "-m", "pip", "install", "-q", "tensorboard==2.21.*", "numpy"])
    os.execv(VENV_PY, [VENV_PY] + sys.argv)


def value(k, step):
    # Cheap, deterministic, tag-dependent curves (no NaNs: this measures throughput, not edge cases).
    x = step + 1
    return (k + 1) / (1.0 + 0.001 * x) + 0.001 * ((step * (k + 7)) % 97)


def generate(path, steps):
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter
    from tensorboard.summary.writer.record_writer import RecordWriter

    Event, Summary, Value = event_pb2.Event, summary_pb2.Summary, summary_pb2.Summary.Value
    t0 = time.perf_counter()
    # EventFileWriter names the file and writes the file_version event. Its add_event hands each record to
    # a writer thread through a queue, and its stub GFile reopens the file for every write; at 10^6
    # records that overhead dwarfs the work. So the bulk is framed by TensorBoard's own RecordWriter (same
    # framing and masked-CRC32C code) into a memory buffer and appended to the writer's file in batches
    # of 10,000 records, while the writer thread idles on its empty queue.
    writer = EventFileWriter(path, max_queue_size=10, flush_secs=3600)
    writer.flush()
    out = writer._general_file_writer  # the GFile EventFileWriter opened
    buffer = io.BytesIO()
    record = RecordWriter(buffer).write
    now = time.time
    for step in range(steps):
        for k, tag in enumerate(TAGS):
            event = Event(wall_time=now(), step=step, summary=Summary(value=[Value(tag=tag, simple_value=value(k, step))]))
            record(event.SerializeToString())
        if step % 1000 == 999 or step == steps - 1:
            out.write(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
    writer.close()
    with open(os.path.join(path, MARKER), "w") as f:
        json.dump({"steps": steps, "tags": len(TAGS), "scalars": steps * len(TAGS)}, f)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("logdir")
    ap.add_argument("--steps", type=int, default=100000)
    args = ap.parse_args()
    ensure_tensorboard()

    marker = os.path.join(args.logdir, MARKER)
    if os.path.exists(marker):
        meta = json.load(open(marker))
        if meta.get("steps") != args.steps or meta.get("tags") != len(TAGS):
            sys.exit("%s holds a log with %s steps x %s tags; give another path for --steps %d"
                     % (args.logdir, meta.get("steps"), meta.get("tags"), args.steps))
        print("generation skipped (%s exists)" % marker, file=sys.stderr)
    else:
        if os.path.isdir(args.logdir) and os.listdir(args.logdir):
            sys.exit("%s is not empty and has no %s; give a fresh path" % (args.logdir, MARKER))
        seconds = generate(args.logdir, args.steps)
        size = sum(os.path.getsize(os.path.join(args.logdir, f)) for f in os.listdir(args.logdir))
        print("generated %d scalars (%.1f MB) in %.1f s" % (args.steps * len(TAGS), size / 1e6, seconds),
              file=sys.stderr)

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    t0 = time.perf_counter()
    acc = EventAccumulator(args.logdir, size_guidance={"scalars": 0})
    acc.Reload()
    seconds = time.perf_counter() - t0
    count = sum(len(acc.Scalars(tag)) for tag in acc.Tags()["scalars"])
    print("eventaccumulator_seconds=%.3f scalars=%d" % (seconds, count))


if __name__ == "__main__":
    main()
