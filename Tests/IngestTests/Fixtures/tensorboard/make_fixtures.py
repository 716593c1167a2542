#!/usr/bin/env python3
"""Regenerate the TensorBoard event-file fixtures and expected.json.

Everything is written with TensorBoard's OWN writer
(tensorboard.summary.writer.event_file_writer.EventFileWriter, TFRecord framing with
masked CRC32C) and its protos (tensorboard.compat.proto); nothing needs TensorFlow or torch.
expected.json is then produced by READING the files back with TensorBoard's own
RawEventFileLoader + event_pb2 parsing, never from the values we meant to write.

Run via make_fixtures.sh (it makes sure Benchmarks/.venv has tensorboard), or directly:
    Benchmarks/.venv/bin/python Tests/IngestTests/Fixtures/tensorboard/make_fixtures.py

Outputs (relative to this directory):
  logs/train/events.out.tfevents.<t1>.trainscope-fixture.0   PyTorch SummaryWriter style, steps 0..49
  logs/train/events.out.tfevents.<t2>.trainscope-fixture.1   restarted job, t2 > t1, steps 50..59
  logs/validation/events.out.tfevents.<t>.trainscope-fixture.2  TF2 / TensorBoard 2.x tensor style
  corrupt/<case>/events.out.tfevents.<case>                    damaged copies of corrupt/clean/...
  expected.json

Wall times are whatever the writer/clock gives; the file-name timestamp is the writer's own
(%010d of time.time()); only the host.pid.uid suffix is replaced so no host name is committed.
"""

import json
import math
import os
import shutil
import struct
import sys
import tempfile
import time

import numpy as np

import tensorboard
from tensorboard import data_compat
from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
from tensorboard.compat.proto import event_pb2, histogram_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c
from tensorboard.plugins.histogram import summary_v2 as histogram_v2
from tensorboard.plugins.scalar import metadata as scalar_metadata
from tensorboard.plugins.scalar import summary_v2 as scalar_v2
from tensorboard.summary.writer.event_file_writer import EventFileWriter
from tensorboard.util import tensor_util

HERE = os.path.dirname(os.path.abspath(__file__))

HISTO_CONVENTION = (
    "HistogramProto (Summary.Value.histo, PyTorch style): bucket i covers [edges[i], edges[i+1]] with "
    "edges = [min] + bucket_limit, i.e. bucket_limit[i] is the RIGHT edge of bucket i and the left edge of "
    "bucket 0 is `min`; counts = bucket. len(edges) == len(counts) + 1. (PyTorch's make_histogram emits a "
    "leading zero-count bucket whose right edge equals min, so edges[0] == edges[1] there.) "
    "The raw fields are also listed. `tensorboard_buckets` is what TensorBoard itself displays "
    "(data_compat migration: drop empty end buckets, lefts = [min] + inner limits, rights = inner limits + "
    "[max], float32) as [left, right, count] rows."
)
TENSOR_HISTO_CONVENTION = (
    "Tensor histogram (plugin 'histograms', DT_DOUBLE tensor of shape [k,3], rows [left, right, count], "
    "TF2 / histogram_pb style): edges = [left_0, right_0, right_1, ..., right_{k-1}], counts = column 2; "
    "`contiguous` says whether right_i == left_{i+1} for every i (true for histogram_pb output; when all "
    "values are equal histogram_pb makes every left == right == that value and puts the whole count in the "
    "last bucket). `buckets` holds the raw rows."
)
SCALAR_CONVENTION = (
    "value: the float64 exactly as decoded (a float32 simple_value / DT_FLOAT is widened, never rounded); "
    "non-finite values are the strings 'NaN', 'Infinity', '-Infinity'. source: 'simple_value' "
    "(Summary.Value.simple_value, field 2, float32) or 'tensor' (Summary.Value.tensor, field 8). "
    "For tensors, dtype is the DataType name and encoding says which TensorProto field holds the value: "
    "'float_val' (field 5), 'double_val' (field 6) or 'tensor_content' (field 4, little-endian raw bytes)."
)


def num(x):
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


# ---------------------------------------------------------------------------------------------
# Writing


class Writer:
    """EventFileWriter plus a deterministic-ish final name (writer's timestamp, no host/pid)."""

    def __init__(self, logdir, index):
        self.w = EventFileWriter(logdir, max_queue_size=1000, flush_secs=3600)
        self.index = index

    def add(self, step, summary):
        # Same as torch.utils.tensorboard's FileWriter.add_summary / tf's summary writer.
        self.w.add_event(event_pb2.Event(wall_time=time.time(), step=step, summary=summary))

    def close(self):
        self.w.close()
        src = self.w._file_name  # events.out.tfevents.%010d.<host>.<pid>.<uid>
        stamp = os.path.basename(src).split(".")[3]
        dst = os.path.join(os.path.dirname(src), "events.out.tfevents.%s.trainscope-fixture.%d" % (stamp, self.index))
        os.rename(src, dst)
        return int(stamp), dst


def loss_value(step):
    if step == 17:
        return float("nan")
    if step == 31:
        return float("inf")
    return 2.5 * math.exp(-step / 12.0) + 0.05 + 0.01 * math.sin(step)


def acc_value(step):
    return 1.0 - 0.9 * math.exp(-step / 15.0)


def weights(step, n=256):
    i = np.arange(n, dtype=np.float32)
    return (np.sin(i * np.float32(0.37)) * np.float32(1.0 + step / 40.0) + np.float32(step / 100.0)).astype(np.float32)


def torch_make_histogram(values, bins):
    """torch.utils.tensorboard.summary.make_histogram (torch 2.x), numeric `bins`, no max_bins."""
    values = values.reshape(-1)
    counts, limits = np.histogram(values, bins=bins)
    cum_counts = np.cumsum(np.greater(counts, 0))
    start, end = np.searchsorted(cum_counts, [0, cum_counts[-1] - 1], side="right")
    start = int(start)
    end = int(end) + 1
    counts = counts[start - 1 : end] if start > 0 else np.concatenate([[0], counts[:end]])
    limits = limits[start : end + 1]
    sum_sq = values.dot(values)
    return histogram_pb2.HistogramProto(
        min=float(values.min()), max=float(values.max()), num=len(values), sum=float(values.sum()),
        sum_squares=float(sum_sq), bucket_limit=limits.tolist(), bucket=counts.tolist(),
    )


def simple(tag, value):
    # torch.utils.tensorboard.summary.scalar(new_style=False): no metadata, float32 simple_value.
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=float(value))])


def write_train(logdir, steps, index):
    w = Writer(logdir, index)
    for s in steps:
        w.add(s, simple("loss", loss_value(s)))
        w.add(s, simple("acc", acc_value(s)))
        if s % 10 == 0 and s < 50:
            histo = torch_make_histogram(weights(s), bins=8)
            w.add(s, summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="weights/fc1", histo=histo)]))
    return w.close()


def write_validation(logdir, index):
    w = Writer(logdir, index)
    scalar_meta = scalar_metadata.create_summary_metadata(display_name=None, description=None)
    for s in range(0, 50, 5):
        # TF2 / TensorBoard 2.x: DT_FLOAT rank-0 tensor via scalar_pb (make_tensor_proto -> float_val).
        w.add(s, scalar_v2.scalar_pb("loss", np.float32(0.6 * math.exp(-s / 15.0) + 0.2)))
        w.add(s, scalar_v2.scalar_pb("acc", np.float32(0.95 * acc_value(s))))
        # DT_DOUBLE rank-0 tensor built by hand (make_tensor_proto(np.float64) -> double_val).
        lr = tensor_util.make_tensor_proto(np.float64(0.1 * 0.5 ** (s / 10.0)))
        w.add(s, summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="lr", metadata=scalar_meta, tensor=lr)]))
        # What TensorFlow's C++ summary writer emits (Tensor::AsProtoTensorContent): DT_FLOAT rank-0 with
        # the 4 little-endian bytes in tensor_content instead of float_val.
        tc = tensor_pb2.TensorProto(
            dtype=types_pb2.DT_FLOAT, tensor_shape=tensor_shape_pb2.TensorShapeProto(),
            tensor_content=np.float32(0.01 * s + 0.3).astype("<f4").tobytes(),
        )
        w.add(s, summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="tf_native/loss", metadata=scalar_meta, tensor=tc)]))
        if s % 20 == 0:
            w.add(s, histogram_v2.histogram_pb("weights/fc1", weights(s), buckets=6))
        if s == 40:
            # Degenerate (all values equal): every left == right, whole count in the last bucket.
            w.add(s, histogram_v2.histogram_pb("bias/constant", np.full(10, 0.25), buckets=3))
    return w.close()


# ---------------------------------------------------------------------------------------------
# Reading back with TensorBoard's own loader


def which_encoding(t):
    if len(t.tensor_content) > 0:
        return "tensor_content"
    for name in ("float_val", "double_val", "half_val", "int_val", "int64_val"):
        if len(getattr(t, name)) > 0:
            return name
    return "none"


def read_events(path):
    return [event_pb2.Event.FromString(raw) for raw in RawEventFileLoader(path).Load()]


def describe_file(path):
    events = read_events(path)
    out = {"file": os.path.relpath(path, HERE), "size_bytes": os.path.getsize(path), "records": len(events),
           "file_version": None, "scalars": [], "histograms": []}
    plugin_of = {}  # tag -> plugin name from the first value carrying metadata (TensorBoard's rule)
    for e in events:
        kind = e.WhichOneof("what")
        if kind == "file_version":
            out["file_version"] = {"value": e.file_version, "wall_time": e.wall_time, "step": e.step}
            continue
        assert kind == "summary", kind
        for v in e.summary.value:
            if v.HasField("metadata") and v.tag not in plugin_of:
                plugin_of[v.tag] = v.metadata.plugin_data.plugin_name
            which = v.WhichOneof("value")
            base = {"tag": v.tag, "step": e.step, "wall_time": e.wall_time}
            if which == "simple_value":
                out["scalars"].append(dict(base, value=num(v.simple_value), source="simple_value", dtype="DT_FLOAT"))
            elif which == "histo":
                h = v.histo
                migrated = data_compat.migrate_value(v)
                tb = tensor_util.make_ndarray(migrated.tensor).astype(np.float64).tolist()
                out["histograms"].append(dict(
                    base, source="histo", edges=[h.min] + list(h.bucket_limit), counts=list(h.bucket),
                    min=h.min, max=h.max, num=h.num, sum=h.sum, sum_squares=h.sum_squares,
                    bucket_limit=list(h.bucket_limit), bucket=list(h.bucket), tensorboard_buckets=tb))
            elif which == "tensor":
                plugin = plugin_of.get(v.tag, "")
                arr = tensor_util.make_ndarray(v.tensor)
                enc = which_encoding(v.tensor)
                dtype = types_pb2.DataType.Name(v.tensor.dtype)
                shape = [d.size for d in v.tensor.tensor_shape.dim]
                if plugin == "scalars":
                    assert shape == [], shape
                    out["scalars"].append(dict(base, value=num(arr.item()), source="tensor", dtype=dtype,
                                               encoding=enc, plugin="scalars"))
                elif plugin == "histograms":
                    rows = arr.astype(np.float64).tolist()
                    contiguous = all(rows[i][1] == rows[i + 1][0] for i in range(len(rows) - 1))
                    out["histograms"].append(dict(
                        base, source="tensor", dtype=dtype, encoding=enc, shape=shape, plugin="histograms",
                        edges=([rows[0][0]] + [r[1] for r in rows]) if rows else [],
                        counts=[r[2] for r in rows], contiguous=contiguous, buckets=rows))
                else:
                    raise AssertionError("unexpected plugin %r for %s" % (plugin, v.tag))
            else:
                raise AssertionError("unexpected value kind %r" % which)
    return out


# ---------------------------------------------------------------------------------------------
# Corrupt corpus


def record_spans(data):
    """[(start, payload_len)] for an intact TFRecord file."""
    spans, pos = [], 0
    while pos < len(data):
        (length,) = struct.unpack_from("<Q", data, pos)
        spans.append((pos, length))
        pos += 8 + 4 + length + 4
    assert pos == len(data)
    return spans


def resync_reader(data):
    """Reference semantics for trainscope: skip a record whose data CRC fails (its length is trusted
    because the length CRC passed); on a length-CRC failure the length is untrusted, so scan forward
    one byte at a time for the next offset whose 8-byte length passes its masked CRC and whose payload
    passes its data CRC; an incomplete record at the end is a tail to retry later, not an error.
    Returns (payloads, tail_offset or None)."""
    out, pos, n = [], 0, len(data)
    while pos < n:
        if pos + 12 > n:
            return out, pos
        header = data[pos : pos + 8]
        (length,) = struct.unpack("<Q", header)
        (hcrc,) = struct.unpack_from("<I", data, pos + 8)
        if masked_crc32c(header) != hcrc:
            pos += 1
            continue
        end = pos + 12 + length + 4
        if end > n:
            return out, pos
        payload = data[pos + 12 : pos + 12 + length]
        (dcrc,) = struct.unpack_from("<I", data, pos + 12 + length)
        if masked_crc32c(payload) == dcrc:
            out.append(payload)
        pos = end  # a payload failing its CRC is skipped whole: its length CRC passed
    return out, None


def label(raw):
    e = event_pb2.Event.FromString(raw)
    return "file_version" if e.WhichOneof("what") == "file_version" else e.step


def make_corrupt(root):
    tmp = tempfile.mkdtemp()
    try:
        w = EventFileWriter(tmp, max_queue_size=100, flush_secs=3600)
        for step, value in ((0, 1.0), (1, 0.5), (2, 0.25)):
            w.add_event(event_pb2.Event(wall_time=time.time(), step=step, summary=simple("loss", value)))
        w.close()
        with open(w._file_name, "rb") as f:
            clean = f.read()
    finally:
        shutil.rmtree(tmp)
    spans = record_spans(clean)
    assert len(spans) == 4  # file_version + steps 0, 1, 2
    (r0, _), (r1, _), (r2, l2), (r3, l3) = spans

    def flip(data, offset):
        b = bytearray(data)
        b[offset] ^= 0xFF
        return bytes(b)

    garbage = b"\xde\xad\xbe\xef\xfe\xed\xfa\xce"
    cases = {
        "clean": (clean, "unmodified source file: file_version record + scalar `loss` at steps 0, 1, 2",
                  None, ["file_version", 0, 1, 2], None),
        "bad_magic": (garbage + clean[8:],
                      "bytes 0..7 (the first record's uint64 length) replaced by de ad be ef fe ed fa ce: "
                      "its length CRC fails; everything after is intact",
                      {"offset": 0, "length": 8, "new_hex": garbage.hex(), "old_hex": clean[:8].hex()},
                      [0, 1, 2], None),
        "flipped_data_crc": (flip(clean, r2 + 12 + l2 // 2),
                             "one payload byte of the step-1 record (3rd record, 2nd scalar) XOR 0xFF: "
                             "its data CRC fails, its length CRC still passes",
                             {"offset": r2 + 12 + l2 // 2, "xor": 255}, ["file_version", 0, 2], None),
        "flipped_length_crc": (flip(clean, r2 + 8),
                               "first byte of the step-1 record's masked length CRC XOR 0xFF",
                               {"offset": r2 + 8, "xor": 255}, ["file_version", 0, 2], None),
        "truncated_length": (clean[: r3 + 4],
                             "file cut 4 bytes into the 8-byte length of the last (step-2) record",
                             {"truncate_to": r3 + 4}, ["file_version", 0, 1], r3),
        "truncated_payload": (clean[: r3 + 12 + l3 // 2],
                              "file cut in the middle of the last (step-2) record's payload",
                              {"truncate_to": r3 + 12 + l3 // 2}, ["file_version", 0, 1], r3),
    }
    clean_events = [event_pb2.Event.FromString(clean[s + 12 : s + 12 + n]) for s, n in spans]
    result = {
        "source": "corrupt/clean/events.out.tfevents.clean",
        "record_offsets": [s for s, _ in spans],
        "payload_lengths": [n for _, n in spans],
        "scalars": [{"tag": "loss", "step": e.step, "wall_time": e.wall_time, "value": num(e.summary.value[0].simple_value),
                     "source": "simple_value", "dtype": "DT_FLOAT"} for e in clean_events[1:]],
        "file_version_wall_time": clean_events[0].wall_time,
        "cases": {},
    }
    for case, (data, what, mutation, must, tail) in cases.items():
        d = os.path.join(root, case)
        os.makedirs(d)
        path = os.path.join(d, "events.out.tfevents." + case)
        with open(path, "wb") as f:
            f.write(data)
        # Check the stated recovery with the reference resync reader.
        got, got_tail = resync_reader(data)
        assert [label(p) for p in got] == must, (case, [label(p) for p in got], must)
        assert got_tail == tail, (case, got_tail, tail)
        tb = [label(raw) for raw in RawEventFileLoader(path).Load()]
        result["cases"][case] = {
            "file": os.path.relpath(path, HERE), "size_bytes": len(data), "what": what, "mutation": mutation,
            "must_recover": must,
            "dropped_steps": [s for s in (0, 1, 2) if s not in must],
            "incomplete_tail_at": tail,
            "tensorboard_raw_loader_yields": tb,
        }
    return result


# ---------------------------------------------------------------------------------------------


def dump(o, ind=""):
    """JSON, one line per short record (scalar, mutation, ...); json.dumps floats are repr, round-trip exact."""
    flat = json.dumps(o, allow_nan=False)
    is_records = isinstance(o, list) and o and isinstance(o[0], dict)
    if not is_records and (not isinstance(o, dict) or (len(flat) <= 200 and not any(
            isinstance(v, dict) or (isinstance(v, list) and v and isinstance(v[0], dict)) for v in o.values()))):
        return flat
    inner = ind + " "
    if isinstance(o, dict):
        items = ["%s%s: %s" % (inner, json.dumps(k), dump(v, inner)) for k, v in o.items()]
        return "{\n" + ",\n".join(items) + "\n" + ind + "}"
    return "[\n" + ",\n".join(inner + dump(v, inner) for v in o) + "\n" + ind + "]"


def main():
    logs = os.path.join(HERE, "logs")
    corrupt = os.path.join(HERE, "corrupt")
    for d in (logs, corrupt):
        shutil.rmtree(d, ignore_errors=True)
    train, validation = os.path.join(logs, "train"), os.path.join(logs, "validation")

    t1, _ = write_train(train, range(0, 50), 0)
    write_validation(validation, 2)
    while int(time.time()) <= t1:  # the restarted job's file name must carry a later timestamp
        time.sleep(0.05)
    t2, _ = write_train(train, range(50, 60), 1)
    assert t2 > t1

    runs = {}
    for run in sorted(os.listdir(logs)):
        files = sorted(f for f in os.listdir(os.path.join(logs, run)) if f.startswith("events.out.tfevents."))
        runs[run] = [describe_file(os.path.join(logs, run, f)) for f in files]

    corrupt_info = make_corrupt(corrupt)
    with open(os.path.join(corrupt, "README.md"), "w") as f:
        f.write(CORRUPT_README)

    expected = {
        "generator": "make_fixtures.py, tensorboard %s, read back with RawEventFileLoader + event_pb2" % tensorboard.__version__,
        "convention": {"scalar": SCALAR_CONVENTION, "histo": HISTO_CONVENTION, "tensor_histogram": TENSOR_HISTO_CONVENTION,
                       "order": "runs keyed by sub-directory name; files sorted by name (= writer timestamp); "
                                "entries in file order"},
        "runs": runs,
        "corrupt": corrupt_info,
    }
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        f.write(dump(expected) + "\n")

    total = sum(os.path.getsize(os.path.join(dp, fn)) for dp, _, fns in os.walk(HERE) for fn in fns
                if "__pycache__" not in dp)
    print("fixtures written under %s (%d bytes total incl. scripts)" % (HERE, total))


CORRUPT_README = """\
Damaged copies of `clean/events.out.tfevents.clean` (file_version + scalar `loss` at steps 0, 1, 2), one per sub-directory so the `events.out.tfevents.` prefix rule and the log-dir rule both apply; regenerate with `../make_fixtures.sh`.
- `bad_magic/`: bytes 0..7 (first record's length) are garbage, so its length CRC fails and the length must not be trusted (2^64-ish); recover steps 0, 1, 2 (file_version lost).
- `flipped_data_crc/`: one payload byte of the step-1 record flipped (data CRC fails, length CRC fine): skip it by its length; recover file_version, steps 0 and 2.
- `flipped_length_crc/`: one byte of the step-1 record's length CRC flipped: resync by scanning for the next valid header; recover file_version, steps 0 and 2.
- `truncated_length/`, `truncated_payload/`: last record cut 4 bytes into its length / mid-payload: recover file_version, steps 0 and 1, and treat the rest as an incomplete tail (wait for more), not as corruption.
`../expected.json` (`corrupt`) has offsets, values, and what TensorBoard's own loader yields (it stops at the first CRC failure).
"""


if __name__ == "__main__":
    sys.exit(main())
