"""Where a turn's CPU goes, by component: the `--profile` mode of `scripts/bench_load.py`.

Off unless BANSHI_PROFILE_DIR names a folder. Then the Rasa server times every node of its
graphs (the NLU pipeline's normaliser, tokenizer, featurizers and classifiers; the policies)
and the action server its knowledge-base searches and query encodings, in CPU time of the
running thread — those calls run synchronously, so no other coroutine's work is counted — and
each process writes its totals to `<folder>/<role>-<pid>.json` every second. The benchmark
reads the files before and after its run and divides by the turns. What is not attributed
(Sanic, socket.io, the tracker store, rasa-sdk, the portal's own process) is the rest of each
process's CPU, which the benchmark reads from /proc.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from bot.settings import env_value

VARIABLE = "BANSHI_PROFILE_DIR"
WRITE_EVERY_S = 1.0


class Totals:
    """CPU seconds and calls per component name, written to a file in the background."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._cpu: dict[str, float] = {}
        self._calls: dict[str, int] = {}

    def add(self, name: str, seconds: float) -> None:
        with self._lock:
            self._cpu[name] = self._cpu.get(name, 0.0) + seconds
            self._calls[name] = self._calls.get(name, 0) + 1

    def snapshot(self) -> dict[str, dict[str, float]]:
        with self._lock:
            return {name: {"cpu_s": self._cpu[name], "calls": self._calls[name]} for name in self._cpu}

    def write(self) -> None:
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.snapshot()), encoding="utf-8")
        temporary.replace(self.path)

    def start(self) -> None:
        def loop() -> None:
            while True:
                time.sleep(WRITE_EVERY_S)
                self.write()

        threading.Thread(target=loop, name="banshi-profile", daemon=True).start()


def timed(totals: Totals, name: Callable[..., str] | str, function: Callable) -> Callable:
    """`function` counting its thread CPU time under `name` (or `name(*args)`)."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return function(*args, **kwargs)
        finally:
            totals.add(name(*args) if callable(name) else name, time.thread_time() - started)

    return wrapper


def _totals(role: str) -> Totals | None:
    folder = env_value(VARIABLE, "")
    if not folder:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    totals = Totals(Path(folder) / f"{role}-{os.getpid()}.json")
    totals.start()
    return totals


def install_in_rasa() -> None:
    """Times every graph node of the Rasa server by its component's class name."""
    totals = _totals("rasa")
    if totals is None:
        return
    from rasa.engine.graph import GraphNode

    GraphNode.__call__ = timed(totals, lambda node, *_inputs: node._component_class.__name__, GraphNode.__call__)


def install_in_action_server() -> None:
    """Times the knowledge base's searches and the query encodings inside them."""
    totals = _totals("actions")
    if totals is None:
        return
    from bot.knowledge.embedder import Embedder
    from bot.knowledge.retriever import Retriever

    Retriever.search = timed(totals, "knowledge base (search, with encoding)", Retriever.search)
    Embedder.encode_query = timed(totals, "knowledge base (query encoding)", Embedder.encode_query)


def read(folder: Path) -> dict[str, dict[str, dict[str, float]]]:
    """{file stem: totals} of every process that wrote into `folder`."""
    out = {}
    for path in sorted(folder.glob("*.json")):
        try:
            out[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a file being replaced: the next read has it
    return out
