"""The search index on disk: FAISS over entry vectors and BM25 over unit tokens.

Layout of the index folder (beside the database, see `config.default_index_dir`):

    writer.lock     held by the one process allowed to publish (flock)
    CURRENT         the name of the published generation, replaced atomically
    g000007/        one generation: dense.faiss, entries.npy, bm25/, units.npy, whole.npy,
                    manifest.json

A generation is written completely under a temporary name, renamed, and only then named in
CURRENT (os.replace), so a reader sees the old index or the new one, never half of one. The
dense index is ID-mapped by entry id: an update removes the retired ids and adds the new ones
and leaves every other vector alone. Below `exact_limit` vectors it is exact (flat inner
product); above, an IVF index (which also supports removal by id) trained on the vectors.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

CURRENT = "CURRENT"
LOCK = "writer.lock"
IVF_PROBES = 16
WHOLE_FILE = "whole.npy"


class WriterBusy(RuntimeError):
    """Another process is publishing this index; there is exactly one writer at a time."""


@contextmanager
def writer_lock(index_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """The one writer's lock; `wait` seconds are spent retrying before WriterBusy (an editor's
    publish waits for a running import rather than failing at once)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK, "a+") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as error:
                if time.monotonic() >= deadline:
                    raise WriterBusy(f"另一个进程正在更新知识库索引（{index_dir}），请稍后再试") from error
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class Snapshot:
    """One published generation, loaded: what a query searches."""

    generation: str
    dense: faiss.Index
    entry_ids: np.ndarray
    entry_units: np.ndarray
    bm25: object | None
    bm25_units: np.ndarray
    document_frequency: dict[str, int]
    manifest: dict
    whole: np.ndarray | None = None
    """Row i: the whole-unit vector of unit `bm25_units[i]` (None in a generation written
    before they existed)."""

    @property
    def size(self) -> int:
        return int(self.dense.ntotal)

    def units_of(self, entry_ids: np.ndarray) -> np.ndarray:
        positions = np.searchsorted(self.entry_ids, entry_ids)
        positions = np.clip(positions, 0, max(len(self.entry_ids) - 1, 0))
        return self.entry_units[positions]


def current_generation(index_dir: Path) -> str | None:
    try:
        return (index_dir / CURRENT).read_text().strip() or None
    except FileNotFoundError:
        return None


def load(index_dir: Path, generation: str) -> Snapshot:
    import bm25s

    folder = index_dir / generation
    manifest = json.loads((folder / "manifest.json").read_text())
    dense = faiss.read_index(str(folder / "dense.faiss"))
    if hasattr(dense, "nprobe"):
        dense.nprobe = IVF_PROBES
    entries = np.load(folder / "entries.npy")
    bm25_units = np.load(folder / "units.npy")
    bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False) if len(bm25_units) else None
    frequency = json.loads((folder / "lexicon.json").read_text())
    whole = np.load(folder / WHOLE_FILE) if (folder / WHOLE_FILE).exists() else None
    return Snapshot(generation, dense, entries[0], entries[1], bm25, bm25_units, frequency, manifest, whole)


def _empty_flat(dimension: int) -> faiss.Index:
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))


def _ivf(vectors: np.ndarray, ids: np.ndarray) -> faiss.Index:
    nlist = max(16, int(4 * math.sqrt(len(vectors))))
    quantizer = faiss.IndexFlatIP(vectors.shape[1])
    index = faiss.IndexIVFFlat(quantizer, vectors.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)
    index.train(vectors)
    index.add_with_ids(vectors, ids)
    return index


def _is_ivf(index: faiss.Index) -> bool:
    return isinstance(index, faiss.IndexIVF)


@dataclass
class DenseUpdate:
    index: faiss.Index
    added: int
    removed: int
    rebuilt: bool


def update_dense(
    previous: faiss.Index | None,
    previous_ids: np.ndarray,
    wanted_ids: np.ndarray,
    vectors_for,
    dimension: int,
    exact_limit: int,
    trained_size: int,
) -> DenseUpdate:
    """The previous index with stale ids removed and new ones added; rebuilt only when the
    index kind must change (exact ↔ IVF) or the IVF has outgrown what it was trained on.

    `vectors_for(ids)` returns the stored vectors of those entry ids, in order.
    """
    wanted = np.asarray(wanted_ids, dtype=np.int64)
    stale = np.setdiff1d(previous_ids, wanted).astype(np.int64)
    new = np.setdiff1d(wanted, previous_ids).astype(np.int64)
    size = len(wanted)
    want_ivf = size > exact_limit
    must_rebuild = (
        previous is None
        or previous.d != dimension
        or want_ivf != _is_ivf(previous)
        or (want_ivf and size > 4 * max(trained_size, 1))
    )
    if must_rebuild:
        vectors = vectors_for(wanted)
        if want_ivf:
            index = _ivf(vectors, wanted)
        else:
            index = _empty_flat(dimension)
            if size:
                index.add_with_ids(vectors, wanted)
        return DenseUpdate(index, size, len(previous_ids), True)
    index = previous
    if len(stale):
        index.remove_ids(stale)
    if len(new):
        index.add_with_ids(vectors_for(new), new)
    return DenseUpdate(index, len(new), len(stale), False)


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())


def publish(
    index_dir: Path,
    dense: faiss.Index,
    entry_ids: np.ndarray,
    entry_units: np.ndarray,
    bm25_tokens: list[list[str]],
    bm25_units: np.ndarray,
    manifest: dict,
    whole: np.ndarray | None = None,
) -> str:
    """Writes a new generation and makes it current; the caller holds `writer_lock`."""
    import bm25s

    previous = current_generation(index_dir)
    number = int(previous[1:]) + 1 if previous else 1
    generation = f"g{number:06d}"
    staging = index_dir / f".{generation}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)

    faiss.write_index(dense, str(staging / "dense.faiss"))
    order = np.argsort(entry_ids)
    np.save(staging / "entries.npy", np.vstack([entry_ids[order], entry_units[order]]).astype(np.int64))
    np.save(staging / "units.npy", np.asarray(bm25_units, dtype=np.int64))
    if whole is not None:
        np.save(staging / WHOLE_FILE, np.ascontiguousarray(whole, dtype=np.float32))
    frequency: dict[str, int] = {}
    for tokens in bm25_tokens:
        for token in set(tokens):
            frequency[token] = frequency.get(token, 0) + 1
    (staging / "lexicon.json").write_text(json.dumps(frequency, ensure_ascii=False))
    if len(bm25_units):
        bm25 = bm25s.BM25()
        bm25.index(bm25_tokens, show_progress=False)
        bm25.save(str(staging / "bm25"), show_progress=False)
    manifest = manifest | {
        "generation": generation,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "entries": int(dense.ntotal),
        "units": int(len(bm25_units)),
        "dense_kind": "ivf" if _is_ivf(dense) else "exact",
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    _fsync_tree(staging)
    os.replace(staging, index_dir / generation)

    pointer = index_dir / f".{CURRENT}.tmp"
    pointer.write_text(generation)
    with open(pointer, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(pointer, index_dir / CURRENT)
    _prune(index_dir, keep=generation, previous=previous)
    return generation


def _prune(index_dir: Path, keep: str, previous: str | None) -> None:
    """Keeps the new generation and the one before: a reader that has just read CURRENT may
    still be opening the older one."""
    for folder in index_dir.glob("g[0-9]*"):
        if folder.is_dir() and folder.name not in (keep, previous):
            shutil.rmtree(folder, ignore_errors=True)


_LOAD_ATTEMPTS = 3
"""Publishes racing a reader: each retry reads the newer CURRENT; three are plenty."""


class IndexReader:
    """The current generation, reloaded when a writer publishes a new one (no restart)."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._snapshot: Snapshot | None = None

    def snapshot(self) -> Snapshot | None:
        for _attempt in range(_LOAD_ATTEMPTS):
            generation = current_generation(self.index_dir)
            if generation is None:
                return None
            if self._snapshot is not None and self._snapshot.generation == generation:
                return self._snapshot
            try:
                self._snapshot = load(self.index_dir, generation)
                return self._snapshot
            except FileNotFoundError:
                if current_generation(self.index_dir) == generation:
                    break  # really missing, not pruned under us: keep answering from what we have
                # pruned between reading CURRENT and opening it: a newer one is current now
        return self._snapshot
