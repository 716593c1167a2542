"""Tests of trainscope.distributed under torchrun: two gloo processes, one fake dashboard.

    /tmp/venv-cpu/bin/python -m unittest discover -s Tests/python_torch -p 'test_torchrun.py' -v

``python -m torch.distributed.run --standalone --nproc-per-node 2`` runs a small DDP loop that calls
``DistributedKnobs.sync`` every step and writes the learning rate and momentum each step used to a
file per rank. Only rank 0 connects. The fake dashboard reacts like a person would: at step 5 it
pauses and sets ``lr`` and ``momentum``; when both ``knob`` events have arrived it resumes; three
steps later it stops the run. Every rank must have applied the changes at the same step and
stopped at the same step.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import unittest
from typing import Any, Dict, List, Optional

from integration_support import SRC, TOKEN, FakeDashboard, IntegrationTestCase, control

try:
    import torch.distributed
    HAVE_DIST = torch.distributed.is_available()
except ImportError:
    HAVE_DIST = False

WORKER = r'''
import os, sys
sys.path.insert(0, sys.argv[1])
import torch
import torch.distributed as dist
from trainscope import Client
from trainscope.distributed import DistributedKnobs, apply_optimizer_knobs, optimizer_knob_specs

dist.init_process_group("gloo")
rank = dist.get_rank()
torch.manual_seed(0)
model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(4, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
ts = Client(run="ddp", knobs=optimizer_knob_specs(optimizer, ("lr", "momentum")))
knobs = DistributedKnobs(ts, poll=0.02)
generator = torch.Generator().manual_seed(rank)
with open(os.path.join(sys.argv[2], f"rank{rank}.txt"), "w") as out:
    for step in range(3000):
        changes = knobs.sync(step)
        apply_optimizer_knobs(optimizer, changes)
        if knobs.stop_requested:
            break
        group = optimizer.param_groups[0]
        out.write(f"{step} {group['lr']!r} {group['momentum']!r}\n")
        x = torch.randn(8, 4, generator=generator)
        loss = model(x).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        ts.log(step, {"train/loss": loss.item(), "lr": group["lr"]})
    print(f"rank {rank} ended before step {step} (stop: {knobs.stop_requested})", flush=True)
ts.close()
# Both ranks leave together, and the DDP reducer (which holds the group) goes first: a group torn
# down under a live reducer or a peer still in a collective aborts in gloo's threads at exit.
del model, optimizer
dist.barrier()
dist.destroy_process_group()
'''


class Person:
    """The fake dashboard's reactions: pause and set at step 5, resume on the knob events, stop 3 steps later."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.state = "waiting"
        self.knob_step: Optional[int] = None
        self.max_step_before_resume: Optional[int] = None
        self.max_step = -1
        self.knobs = 0

    def __call__(self, dashboard: FakeDashboard, event: Dict[str, Any]) -> None:
        with self.lock:
            if event["type"] == "scalars":
                self.max_step = max(self.max_step, event["step"])
            if self.state == "waiting" and event["type"] == "scalars" and event["step"] >= 5:
                # Pause first: both changes then reach rank 0 while it waits, and apply at one step.
                dashboard.send(control("pause"))
                dashboard.send(control("set", knob="lr", value=0.25))
                dashboard.send(control("set", knob="momentum", value=0.5))
                self.state = "paused"
            elif self.state == "paused" and event["type"] == "knob":
                self.knobs += 1
                self.knob_step = event["step"]
                if self.knobs == 2:
                    self.max_step_before_resume = self.max_step
                    dashboard.send(control("resume"))
                    self.state = "running"
            elif self.state == "running" and event["type"] == "scalars" and self.knob_step is not None \
                    and event["step"] >= self.knob_step + 3:
                dashboard.send(control("stop"))
                self.state = "stopped"


@unittest.skipUnless(HAVE_DIST, "needs torch with torch.distributed")
class TorchrunTests(IntegrationTestCase):
    def test_every_rank_applies_the_change_and_stops_at_the_same_step(self) -> None:
        person = Person()
        dashboard = self.dashboard(person)
        script = os.path.join(self.dir, "worker.py")
        with open(script, "w") as f:
            f.write(WORKER)
        env = dict(os.environ, TRAINSCOPE_URL=self.url, TRAINSCOPE_TOKEN=TOKEN, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", script, str(SRC), self.dir]
        done = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=120)
        output = done.stdout.decode("utf-8", "replace")
        self.assertEqual(done.returncode, 0, output)
        self.assertEqual(dashboard.errors, [])
        self.assertEqual(person.state, "stopped", output)

        ranks: List[List[List[str]]] = []
        for rank in (0, 1):
            with open(os.path.join(self.dir, f"rank{rank}.txt")) as f:
                ranks.append([line.split() for line in f])
        self.assertEqual(ranks[0], ranks[1], "both ranks used the same learning rate and momentum at every step")
        first_new = next(int(step) for step, lr, _ in ranks[0] if float(lr) == 0.25)
        self.assertEqual(first_new, person.knob_step)
        for step, lr, momentum in ranks[0]:
            expected = (0.25, 0.5) if int(step) >= first_new else (0.01, 0.9)
            self.assertEqual((float(lr), float(momentum)), expected, step)
        last = int(ranks[0][-1][0])
        self.assertLess(last, 2999, "the stop ended the loop")
        self.assertGreaterEqual(last, first_new + 3)
        # While paused, rank 0 did not get past the step that took the change.
        self.assertLess(person.max_step_before_resume, first_new)
        # Only rank 0 sent: one connection, one run.
        self.assertEqual({e["run"] for e in dashboard.events()}, {"ddp"})
        self.assertEqual(dashboard.connections, 1)
        knob_events = [(e["step"], e["name"], e["new"]) for e in dashboard.events("knob")]
        self.assertEqual(knob_events, [(first_new, "lr", 0.25), (first_new, "momentum", 0.5)])


if __name__ == "__main__":
    unittest.main()
