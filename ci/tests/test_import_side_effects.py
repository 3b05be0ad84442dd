"""Importing the module and building its lazy chains does no I/O (audit hook, fresh interpreter)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
SCRIPT = r"""
import json, os, sys
sys.path.insert(0, sys.argv[1])
os.environ["DAGGER_MAIN_OBJECT"] = "Shipyard"
events = []
WATCH = ("socket.connect", "socket.getaddrinfo", "urllib.Request", "subprocess.Popen",
         "os.system", "os.exec", "os.posix_spawn", "os.fork", "os.mkdir")
def hook(event, args):
    if event in WATCH:
        events.append(event + " " + repr(args)[:120])
    elif event == "open":
        path, mode, flags = args
        if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)):
            events.append("open-for-write " + str(path))
sys.addaudithook(hook)
out = {}
import shipyard_ci
from dagger import dag
from shipyard.stages.spec import Command, ContainerStep, CacheVolume
from shipyard_ci.translate import command_states, step_container
out["import"] = list(events); events.clear()
step = ContainerStep(image="python:3.12-slim", commands=(Command(argv=("true",)),),
                     caches=(CacheVolume("shipyard-uv", "/cache/uv"),))
ship = shipyard_ci.Shipyard.create(source=dag.directory())
ctr = command_states(step_container(step, ship.source, images={}, secrets={}), step)[-1]
out["lazy"] = list(events)
print(json.dumps(out))
"""


def test_import_and_lazy_building_do_no_io() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGGER_", "OTEL_"))}
    proc = subprocess.run(
        [sys.executable, "-B", "-c", SCRIPT, str(SRC)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    out = json.loads(proc.stdout)
    assert out["import"] == []
    assert out["lazy"] == []
