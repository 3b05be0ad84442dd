"""Warming a prepared environment's bytecode: import what it installed, once, before it is kept.

Test legs run with PYTHONDONTWRITEBYTECODE (the source tree stays clean), so without this every
leg compiles pytest, coverage and the dependencies from source again. Compiling everything
(`--compile-bytecode`) costs more than it saves: most modules of a venv are never imported
(pygments' lexers, say). Importing each installed distribution's top-level packages writes the
bytecode of what a test run actually loads at start, about half the work (webapp: 327 of 864
modules, 1.6 s CPU once; pytest under coverage then 1.4-1.6 s CPU instead of 2.4). Bytecode is a
cache Python checks against each source's size and mtime, so a failed or partial warm-up changes
no verdict: the command may fail.
"""

from __future__ import annotations

_SCRIPT = """\
import importlib, importlib.metadata, sys
sys.dont_write_bytecode = False
names = set()
for dist in importlib.metadata.distributions():
    top = dist.read_text("top_level.txt")
    if top:
        names.update(top.split())
        continue
    for path in dist.files or ():
        head = path.parts[0] if path.parts else ""
        name = head[:-3] if head.endswith(".py") else head
        if name.isidentifier() and not head.endswith((".dist-info", ".data")):
            names.add(name)
for name in sorted(names):
    try:
        importlib.import_module(name)
    except BaseException:
        pass
"""
WARM_UP = f"exec({_SCRIPT!r})"
"""The script as one line for `python -c` (commands print one per line, shell-quoted, in `debug`):
run with the environment's python, it imports every installed top-level package."""
