"""Benchmark of the knowledge base: query latency, index build time and memory at 1k, 10k and
100k units, and the time of importing the whole pack.

Synthetic knowledge bases are made from the pack itself, so that BM25 sees real Chinese
vocabulary and FAISS sees real e5 geometry. Every entry of knowledge/*.md is encoded once with
the real model (sentences as passages, questions, headings and phrasings as queries). A
synthetic unit takes one guide's title and a heading path, 4–6 of that guide's sentences and
3–7 of its question-like entries (about 10 entries, as in the real pipeline) and the
whole-unit vector of one of its units, and is tokenised
with the real `tokenize`. Its entry vectors are the e5 vectors of exactly those entries plus
Gaussian noise, renormalised (cosine to the original ≈ 0.96): encoding a million texts with e5
on two cores is not possible in a benchmark.

Each size is built from scratch (`update_dense` + `publish`, which builds BM25) into a
temporary folder, then updated incrementally with 1 % of the units replaced, as an edited
guide would. Memory is the RSS growth of loading the published generation in a fresh process
(/proc/self/status), plus its size on disk. A query is timed end to end as the retriever runs
it: normalize + encode_query + tokenize + gather (FAISS + BM25) + fused scoring and confidence
of the candidates (the retriever's SQL lookup of the winning rows is not included here; the
import section times the real `Retriever.search` on the imported pack, SQL included). Beside
every query the same text is encoded alone, as a baseline measured under the same load, and
the query rounds visit every size in turn, so that the sizes are compared under the same load
of this shared machine.

Targets (issue 3): query p50 ≤ 30 ms at 10k units; importing the whole pack ≤ 60 s. The exit
status is 1 when a target that was measured is missed. On two shared cores a run of all three
sizes takes about 15 minutes (the 100k IVF build most of it) and up to 9 GB of memory.

    .venv-actions/bin/python scripts/bench_kb.py [--sizes 1000,10000,100000]
        [--queries 200] [--threads N] [--skip-import] [--json PATH]
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from bot.knowledge import index as index_files

from measure import percentiles

ROOT = Path(__file__).resolve().parents[1]
TARGET_QUERY_P50_MS, TARGET_QUERY_UNITS = 30.0, 10_000
TARGET_IMPORT_S = 60.0
NOISE = 0.3
"""Norm of the Gaussian noise added to a unit-length e5 vector: cosine to it ≈ 1/√(1+0.3²) ≈ 0.96."""
SENTENCES_PER_UNIT = (4, 6)
QUESTIONS_PER_UNIT = (3, 7)
CHANGED_SHARE = 0.01
WARMUP_ROUNDS = 1
SEED = 20240603

QUESTIONS = (
    "宝宝刚出生，上户口和办医保能一起办吗",
    "新生儿的出生证明要去哪里领",
    "孩子名字还没想好，可以先办其他的吗",
    "给小孩办社保卡需要带什么",
    "生完孩子的生育津贴怎么申请",
    "孩子明年上小学，报名要准备哪些材料",
    "随迁子女上学需要居住证吗",
    "入学报名是在网上填还是去学校",
    "幼升小什么时候开始登记",
    "我爸今年满60了，退休手续怎么弄",
    "退休以后养老金多久能到账",
    "提前退休需要什么条件",
    "退休了医保还要继续交吗",
    "社保卡丢了怎么挂失补办",
    "社保卡能不能坐公交",
    "社保卡激活要去银行吗",
    "外地人能在这里办社保卡吗",
    "残疾证怎么申请，要去哪里评残",
    "残疾人的两项补贴有多少",
    "重度残疾可以上门办理吗",
    "想开个小饭店，营业执照和食品许可能一起办吗",
    "开餐馆要消防检查吗",
    "餐饮店门头招牌要审批吗",
    "开饭馆要准备多少材料",
    "开一家货运公司需要哪些证",
    "道路运输经营许可证多久能批下来",
    "运输公司的车辆要办什么手续",
    "公司不干了，注销要多久",
    "公司没有债务，能走简易注销吗",
    "公司还有税没交清能注销吗",
    "注销的时候营业执照正副本要交回吗",
    "公司换了法人，要去哪些部门变更",
    "公司搬家了，地址变更怎么办",
    "变更经营范围要收费吗",
    "企业被列入失信名单了怎么修复",
    "行政处罚信息多久能撤下来",
    "信用修复要提交什么承诺书",
    "准备上市，要开哪些合规证明",
    "上市合规证明能一次在网上申请吗",
    "法院要查企业破产的信息，去哪里查",
    "破产管理人怎么查询企业的财产",
    "新房子装修完，水电气一起报装怎么申请",
    "办宽带和用水能一起报吗",
    "报装电要多长时间通电",
    "接天然气要交多少钱",
    "政务服务中心周末上班吗",
    "办事大厅在哪，几点开门",
    "网上办件的进度在哪里查",
    "材料不全可以先受理吗",
    "办这些事情收不收费",
)


# --------------------------------------------------------------------------- measuring


def rss_mb() -> float:
    """Resident set size of this process (Linux /proc; psutil is not in the runtime)."""
    return _status_mb("VmRSS")


def peak_rss_mb() -> float:
    return _status_mb("VmHWM")


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- the pack as material


@dataclass
class GuidePool:
    """One guide's real material: sentences, whole units and question-like entries, rows into
    `Pool.vectors`."""

    title: str
    heading_paths: list[list[str]]
    sentences: list[tuple[str, int]]
    questions: list[tuple[str, str, int]]
    wholes: list[int] = field(default_factory=list)


@dataclass
class Pool:
    guides: list[GuidePool]
    vectors: np.ndarray
    encoded: int
    """How many of the vectors were encoded here rather than taken from the import."""
    encode_seconds: float


Known = dict[tuple[bool, str], np.ndarray]
"""Vectors already encoded, by (is a passage, entry text): the import's, when it ran."""


def pack_pool(embedder, known: Known) -> Pool:
    """Every entry of the pack, as the importer makes them, with its real e5 vector (taken
    from `known` when the import has just encoded it, else encoded here)."""
    from bot.knowledge.importer import collect, entry_texts
    from bot.knowledge.store import PASSAGE_KINDS, WHOLE

    documents, _scopes, errors = collect([ROOT / "knowledge"])
    if errors:
        sys.exit("cannot read the pack:\n" + "\n".join(errors))
    texts: list[tuple[bool, str]] = []
    guides: list[GuidePool] = []
    for document in documents:
        guide = GuidePool(document.title, [], [], [])
        for unit in document.units:
            guide.heading_paths.append(list(unit.heading_path))
            for kind, text in entry_texts(document.title, unit, unit.question, unit.phrasings):
                if kind == WHOLE:
                    guide.wholes.append(len(texts))
                elif kind in PASSAGE_KINDS:
                    guide.sentences.append((text.partition("\n")[2] or text, len(texts)))
                else:
                    guide.questions.append((kind, text.removeprefix(document.title + " "), len(texts)))
                texts.append((kind in PASSAGE_KINDS, text))
        guides.append(guide)
    seconds, vectors = timed(lambda: _vectors(embedder, texts, known))
    encoded = sum(1 for key in texts if key not in known)
    return Pool([g for g in guides if g.sentences and g.questions], vectors, encoded, seconds)


def _vectors(embedder, texts: list[tuple[bool, str]], known: Known) -> np.ndarray:
    from bot.knowledge.embedder import PASSAGE, QUERY

    missing = [i for i, key in enumerate(texts) if key not in known]
    vectors = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    for passage in (True, False):
        rows = [i for i in missing if texts[i][0] == passage]
        vectors[rows] = embedder.encode([texts[i][1] for i in rows], PASSAGE if passage else QUERY, 64)
    for i, key in enumerate(texts):
        if key in known:
            vectors[i] = known[key]
    return vectors


# --------------------------------------------------------------------------- synthetic knowledge bases


@dataclass
class Synthetic:
    """Units 1..n with their entries (ids 1..m, in unit order), BM25 tokens and vectors."""

    unit_ids: np.ndarray
    tokens: list[list[str]]
    entry_ids: np.ndarray
    entry_units: np.ndarray
    entry_kinds: dict[int, str]
    vectors: np.ndarray
    whole: np.ndarray
    """Row i: the whole-unit vector of unit_ids[i]."""


def _noisy(rows: np.ndarray, pool: Pool, rng: np.random.Generator) -> np.ndarray:
    """The pool's vectors at `rows`, each moved by noise of norm ≈ NOISE and renormalised."""
    vectors = pool.vectors[rows]
    dimension = vectors.shape[1]
    for start in range(0, len(vectors), 50_000):
        chunk = vectors[start : start + 50_000]
        chunk += rng.standard_normal(chunk.shape, dtype=np.float32) * (NOISE / np.sqrt(dimension))
        chunk /= np.linalg.norm(chunk, axis=1, keepdims=True)
    return vectors


def make_units(pool: Pool, count: int, first_unit: int, first_entry: int, rng: np.random.Generator) -> Synthetic:
    """`count` units recombined from the pack; unit and entry ids start where given."""
    from bot.knowledge.store import SENTENCE
    from bot.knowledge.tokens import tokenize

    tokens, rows, entry_units, kinds, wholes = [], [], [], [], []
    for unit in range(first_unit, first_unit + count):
        guide = pool.guides[rng.integers(len(pool.guides))]
        wholes.append(guide.wholes[rng.integers(len(guide.wholes))])
        headings = guide.heading_paths[rng.integers(len(guide.heading_paths))]
        chosen = rng.choice(
            len(guide.sentences),
            min(int(rng.integers(*SENTENCES_PER_UNIT, endpoint=True)), len(guide.sentences)),
            replace=False,
        )
        asked = rng.choice(
            len(guide.questions),
            min(int(rng.integers(*QUESTIONS_PER_UNIT, endpoint=True)), len(guide.questions)),
            replace=False,
        )
        sentences = [guide.sentences[i] for i in chosen]
        questions = [guide.questions[i] for i in asked]
        text = "\n".join([guide.title, *headings, *(q[1] for q in questions), *(s[0] for s in sentences)])
        tokens.append(tokenize(text))
        rows.extend([s[1] for s in sentences] + [q[2] for q in questions])
        kinds.extend([SENTENCE] * len(sentences) + [q[0] for q in questions])
        entry_units.extend([unit] * (len(sentences) + len(questions)))
    entry_ids = np.arange(first_entry, first_entry + len(rows), dtype=np.int64)
    return Synthetic(
        unit_ids=np.arange(first_unit, first_unit + count, dtype=np.int64),
        tokens=tokens,
        entry_ids=entry_ids,
        entry_units=np.asarray(entry_units, dtype=np.int64),
        entry_kinds=dict(zip(entry_ids.tolist(), kinds)),
        vectors=_noisy(np.asarray(rows, dtype=np.int64), pool, rng),
        whole=_noisy(np.asarray(wholes, dtype=np.int64), pool, rng),
    )


def replace_units(base: Synthetic, share: float, pool: Pool, rng: np.random.Generator) -> tuple[Synthetic, Synthetic]:
    """`base` with `share` of its units replaced by new ones (new unit and entry ids, as an
    edited guide gets from the importer); returns the new state and the new units alone."""
    changed = rng.choice(base.unit_ids, max(1, int(len(base.unit_ids) * share)), replace=False)
    fresh = make_units(pool, len(changed), int(base.unit_ids[-1]) + 1, int(base.entry_ids[-1]) + 1, rng)
    keep_unit = ~np.isin(base.unit_ids, changed)
    keep_entry = ~np.isin(base.entry_units, changed)
    state = Synthetic(
        unit_ids=np.concatenate([base.unit_ids[keep_unit], fresh.unit_ids]),
        tokens=[t for t, keep in zip(base.tokens, keep_unit) if keep] + fresh.tokens,
        entry_ids=np.concatenate([base.entry_ids[keep_entry], fresh.entry_ids]),
        entry_units=np.concatenate([base.entry_units[keep_entry], fresh.entry_units]),
        entry_kinds=base.entry_kinds | fresh.entry_kinds,
        vectors=np.zeros((0, base.vectors.shape[1]), dtype=np.float32),  # looked up in base/fresh
        whole=np.concatenate([base.whole[keep_unit], fresh.whole]),
    )
    return state, fresh


def vector_lookup(*parts: Synthetic) -> Callable[[np.ndarray], np.ndarray]:
    """`vectors_for(ids)` over consecutive id ranges, as the importer reads them from SQL."""

    def vectors_for(ids: np.ndarray) -> np.ndarray:
        out = np.empty((len(ids), parts[0].vectors.shape[1]), dtype=np.float32)
        for part in parts:
            first = int(part.entry_ids[0])
            inside = (ids >= first) & (ids < first + len(part.entry_ids))
            out[inside] = part.vectors[ids[inside] - first]
        return out

    return vectors_for


# --------------------------------------------------------------------------- building


def publish_state(
    index_dir: Path,
    state: Synthetic,
    vectors_for,
    dimension: int,
    exact_limit: int,
    previous: index_files.Snapshot | None,
) -> dict:
    """One publish as `importer.publish_index` does it: update the dense index, then write it
    with a fresh BM25. Returns the timings."""
    trained = int(previous.manifest.get("trained_size", 0)) if previous else 0
    dense_s, update = timed(
        lambda: index_files.update_dense(
            previous.dense if previous else None,
            previous.entry_ids if previous else np.zeros(0, dtype=np.int64),
            state.entry_ids,
            vectors_for,
            dimension,
            exact_limit,
            trained,
        )
    )
    manifest = {
        "model": "synthetic",
        "dimension": dimension,
        "trained_size": len(state.entry_ids) if update.rebuilt else trained,
        "added": update.added,
        "removed": update.removed,
        "rebuilt": update.rebuilt,
    }
    publish_s, generation = timed(
        lambda: index_files.publish(
            index_dir,
            update.index,
            state.entry_ids,
            state.entry_units,
            state.tokens,
            state.unit_ids,
            manifest,
            state.whole,
        )
    )
    return {
        "dense_s": dense_s,
        "publish_s": publish_s,
        "total_s": dense_s + publish_s,
        "generation": generation,
        "rebuilt": update.rebuilt,
        "dense_kind": "ivf" if isinstance(update.index, faiss.IndexIVF) else "exact",
    }


def load_in_child(index_dir: Path) -> dict:
    """RSS growth and time of loading the current generation, in a fresh process so that
    memory freed by the build cannot hide it."""
    command = [sys.executable, str(Path(__file__).resolve()), "--load-rss", str(index_dir)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _report_load(index_dir: Path) -> None:
    import bm25s  # noqa: F401  (its own import is not the snapshot's memory)

    before = rss_mb()
    seconds, _snapshot = timed(lambda: index_files.load(index_dir, index_files.current_generation(index_dir)))
    print(json.dumps({"rss_growth_mb": rss_mb() - before, "load_s": seconds}))


# --------------------------------------------------------------------------- querying


@dataclass
class QueryTimes:
    total: list[float] = field(default_factory=list)
    encode: list[float] = field(default_factory=list)
    search: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)


def run_query(snapshot: index_files.Snapshot, kinds: dict[int, str], embedder, model, text: str) -> tuple[float, float]:
    """One query as the retriever runs it, without the SQL lookup: (encode s, search+fuse s)."""
    from bot.knowledge.features import fused_score, gather, query_features
    from bot.knowledge.tokens import tokenize
    from bot.language.text import normalize

    start = time.perf_counter()
    cleaned = normalize(text)
    vector = embedder.encode_query(cleaned)
    encoded = time.perf_counter()
    evidence = gather(snapshot, vector, tokenize(cleaned), kinds)
    scored = sorted(
        (
            fused_score(
                evidence, unit, model.question_offset, model.heading_offset, model.lexical_weight, model.whole_weight
            )
            for unit in evidence.candidates()
        ),
        reverse=True,
    )
    if scored:
        second = scored[1] if len(scored) > 1 else scored[0] - 0.1
        model.confidence.probability(query_features(evidence, scored[0], second))
    return encoded - start, time.perf_counter() - encoded


def query_summary(times: QueryTimes) -> dict:
    total, baseline = percentiles(times.total), percentiles(times.baseline)
    return {
        "total": total,
        "encode": percentiles(times.encode),
        "search_fuse": percentiles(times.search),
        "baseline_encode_only": baseline,
        "ratio_total_to_baseline_p50": total["p50_ms"] / baseline["p50_ms"],
    }


# --------------------------------------------------------------------------- the sizes


@dataclass
class Prepared:
    """A built size, waiting for the query rounds."""

    result: dict
    index_dir: Path
    kinds: dict[int, str]
    times: QueryTimes = field(default_factory=QueryTimes)


def build_size(units: int, pool: Pool, exact_limit: int, index_dir: Path) -> Prepared:
    """Builds `units` from scratch, measures loading it, then replaces 1 % of the units."""
    rng = np.random.default_rng(SEED + units)
    log(f"{units} units: synthesising and tokenising")
    make_s, state = timed(lambda: make_units(pool, units, 1, 1, rng))
    result: dict = {"units": units, "entries": len(state.entry_ids), "synthesis_s": make_s}
    log(f"{units} units: building {len(state.entry_ids)} entries from scratch")
    result["build"] = publish_state(index_dir, state, vector_lookup(state), pool.vectors.shape[1], exact_limit, None)
    gc.collect()
    result["load"] = load_in_child(index_dir)
    result["disk_mb"] = folder_mb(index_dir / result["build"]["generation"])

    log(f"{units} units: incremental update, {CHANGED_SHARE:.0%} of the units replaced")
    changed, fresh = replace_units(state, CHANGED_SHARE, pool, rng)
    load_s, previous = timed(lambda: index_files.load(index_dir, index_files.current_generation(index_dir)))
    update = publish_state(
        index_dir, changed, vector_lookup(state, fresh), pool.vectors.shape[1], exact_limit, previous
    )
    result["incremental"] = update | {
        "load_previous_s": load_s,
        "total_s": load_s + update["total_s"],
        "units_replaced": len(fresh.unit_ids),
        "entries_added": len(fresh.entry_ids),
    }
    return Prepared(result, index_dir, changed.entry_kinds)


def bench_sizes(sizes: list[int], pool: Pool, embedder, model, exact_limit: int, queries: int) -> list[dict]:
    """Builds every size, then times the queries in rounds that visit every size in turn, so
    that the sizes are compared under the same load of this shared machine."""
    from bot.language.text import normalize

    with ExitStack() as stack:
        prepared = []
        for units in sizes:
            prepared.append(
                build_size(
                    units, pool, exact_limit, Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-kb-")))
                )
            )
            gc.collect()
        snapshots = [index_files.load(p.index_dir, index_files.current_generation(p.index_dir)) for p in prepared]
        log(f"{queries} query rounds over {len(sizes)} sizes")
        for size, snapshot in zip(prepared, snapshots):
            for text in QUESTIONS * WARMUP_ROUNDS:
                run_query(snapshot, size.kinds, embedder, model, text)
        for i in range(queries):
            text = QUESTIONS[i % len(QUESTIONS)]
            for size, snapshot in zip(prepared, snapshots):
                size.times.baseline.append(timed(lambda text=text: embedder.encode_query(normalize(text)))[0])
                encode_s, search_s = run_query(snapshot, size.kinds, embedder, model, text)
                size.times.encode.append(encode_s)
                size.times.search.append(search_s)
                size.times.total.append(encode_s + search_s)
    return [p.result | {"queries": query_summary(p.times)} for p in prepared]


# --------------------------------------------------------------------------- the whole pack


def bench_import(queries: int) -> tuple[dict, Known]:
    """The real importer into a fresh SQLite database, then the real `Retriever.search` on it;
    also returns the vectors the import encoded, so the pack is not encoded twice.

    Runs first, so the import pays for loading jieba and the model as `kb import` does."""
    from sqlalchemy import select

    from bot.db import session_factory
    from bot.knowledge.config import KnowledgeSettings
    from bot.knowledge.importer import import_paths
    from bot.knowledge.retriever import Retriever
    from bot.knowledge.store import PASSAGE_KINDS, KbEntry

    with tempfile.TemporaryDirectory(prefix="bench-kb-import-") as folder:
        db_url = f"sqlite:///{folder}/kb.db"
        kb = dataclasses.replace(KnowledgeSettings.from_env(db_url), index_dir=Path(folder) / "kb.db.kb")
        log("importing the whole pack into a fresh SQLite database")
        wall_s, report = timed(lambda: import_paths([ROOT / "knowledge"], kb))
        retriever = Retriever(kb)
        for text in QUESTIONS:
            retriever.search(text)
        searches = [timed(lambda i=i: retriever.search(QUESTIONS[i % len(QUESTIONS)]))[0] for i in range(queries)]
        snapshot = retriever.reader.snapshot()
        with session_factory(db_url)() as session:
            rows = session.execute(
                select(KbEntry.kind, KbEntry.text, KbEntry.vector).where(KbEntry.vector.is_not(None))
            )
            known = {
                (kind in PASSAGE_KINDS, text): np.frombuffer(vector, dtype=np.float32) for kind, text, vector in rows
            }
        summary = {
            "wall_s": wall_s,
            "report": dataclasses.asdict(report),
            "units": len(snapshot.bm25_units) if snapshot else 0,
            "entries": snapshot.size if snapshot else 0,
            "retriever_search": percentiles(searches),
        }
        return summary, known


# --------------------------------------------------------------------------- output


def environment(threads: int | None) -> dict:
    import torch

    if threads:
        torch.set_num_threads(threads)
        faiss.omp_set_num_threads(threads)
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "faiss_threads": faiss.omp_get_max_threads(),
        "faiss": faiss.__version__,
        "torch": torch.__version__,
        "load_average_start": os.getloadavg(),
    }


def print_tables(results: dict) -> None:
    env = results["environment"]
    print(
        f"\nKnowledge-base benchmark — {env['cpus']} CPUs, torch threads {env['torch_threads']}, "
        f"faiss threads {env['faiss_threads']}, load average {env['load_average_start'][0]:.1f} → "
        f"{env['load_average_end'][0]:.1f}"
    )
    print(f"Entry vectors: {results['vectors']}")
    if "import" in results:
        found = results["import"]
        report, search = found["report"], found["retriever_search"]
        print(
            f"\nImport of the whole pack (fresh SQLite, cold: includes loading jieba and e5): "
            f"{found['wall_s']:.1f} s wall, report {report['seconds']:.1f} s — {report['documents_added']} documents, "
            f"{report['units_added']} units, {report['entries_embedded']} entries embedded, generation {report['generation']}, "
            f"errors {len(report['errors'])}; target ≤ {TARGET_IMPORT_S:.0f} s: {'met' if found['wall_s'] <= TARGET_IMPORT_S else 'NOT met'}"
        )
        print(
            f"Real Retriever.search on the pack ({found['units']} units, {found['entries']} entries, SQL included): "
            f"p50 {search['p50_ms']:.1f} ms, p95 {search['p95_ms']:.1f} ms (n={search['n']})"
        )
    if not results["sizes"]:
        return
    print(
        "\nIndex                      build (dense + publish)            incremental 1 %           load (fresh process)"
    )
    print(
        f"{'units':>8} {'entries':>9} {'kind':>6} {'dense s':>8} {'publish s':>9} {'total s':>8} {'total s':>9} {'(load+upd+pub)':>15} "
        f"{'RSS +MB':>8} {'load s':>7} {'disk MB':>8}"
    )
    for size in results["sizes"]:
        build, incremental, load = size["build"], size["incremental"], size["load"]
        print(
            f"{size['units']:>8} {size['entries']:>9} {build['dense_kind']:>6} {build['dense_s']:>8.2f} {build['publish_s']:>9.2f} "
            f"{build['total_s']:>8.2f} {incremental['total_s']:>9.2f} "
            f"{incremental['load_previous_s']:>4.1f}+{incremental['dense_s']:.1f}+{incremental['publish_s']:<5.1f} "
            f"{load['rss_growth_mb']:>8.0f} {load['load_s']:>7.2f} {size['disk_mb']:>8.0f}"
        )
    print(f"\nPeak RSS of this benchmark process (every size built and loaded in it): {results['peak_rss_mb']:.0f} MB")
    print("\nQuery latency, ms (rounds interleaved over the sizes; without the retriever's SQL lookup)")
    print("                            end to end        encode       search+fuse    baseline (encode only)  ratio")
    print(
        f"{'units':>8} {'n':>5}   {'p50':>7} {'p95':>7}   {'p50':>5} {'p95':>5}   {'p50':>6} {'p95':>6}   {'p50':>7} {'p95':>7}   {'p50/base':>8}"
    )
    for size in results["sizes"]:
        q = size["queries"]
        total, encode, search, base = q["total"], q["encode"], q["search_fuse"], q["baseline_encode_only"]
        print(
            f"{size['units']:>8} {total['n']:>5}   {total['p50_ms']:>7.1f} {total['p95_ms']:>7.1f}   {encode['p50_ms']:>5.1f} {encode['p95_ms']:>5.1f}   "
            f"{search['p50_ms']:>6.1f} {search['p95_ms']:>6.1f}   {base['p50_ms']:>7.1f} {base['p95_ms']:>7.1f}   "
            f"{q['ratio_total_to_baseline_p50']:>8.2f}"
        )
    for size in results["sizes"]:
        if size["units"] == TARGET_QUERY_UNITS:
            p50 = size["queries"]["total"]["p50_ms"]
            print(
                f"\nTarget p50 ≤ {TARGET_QUERY_P50_MS:.0f} ms at {TARGET_QUERY_UNITS} units: {p50:.1f} ms, "
                f"{'met' if p50 <= TARGET_QUERY_P50_MS else 'NOT met'}"
            )


def targets_met(results: dict) -> bool:
    ok = all(
        s["queries"]["total"]["p50_ms"] <= TARGET_QUERY_P50_MS
        for s in results["sizes"]
        if s["units"] == TARGET_QUERY_UNITS
    )
    return ok and results.get("import", {}).get("wall_s", 0.0) <= TARGET_IMPORT_S


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="unit counts, comma-separated")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per size")
    parser.add_argument("--threads", type=int, help="torch and FAISS threads (default: their own)")
    parser.add_argument("--skip-import", action="store_true", help="do not time importing the pack")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--load-rss", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load_rss:
        _report_load(args.load_rss)
        return 0

    from bot.knowledge.config import KnowledgeSettings
    from bot.knowledge.embedder import get_embedder
    from bot.knowledge.ranking import default_model

    results: dict = {"environment": environment(args.threads), "sizes": []}
    known: Known = {}
    if not args.skip_import:
        results["import"], known = bench_import(args.queries)
    kb = KnowledgeSettings.from_env()
    embedder = get_embedder(kb.embedding_model)
    log("the pack's entries with their real e5 vectors")
    pool = pack_pool(embedder, known)
    results["vectors"] = (
        f"synthetic: the real e5 vectors of the {len(pool.vectors)} pack entries each unit recombines, "
        f"plus Gaussian noise of norm {NOISE} (cosine ≈ {1 / np.sqrt(1 + NOISE**2):.2f}), renormalised; "
        f"the pack's vectors: {len(pool.vectors) - pool.encoded} from the import, {pool.encoded} encoded here "
        f"in {pool.encode_seconds:.0f} s; queries are encoded for real"
    )
    results["exact_index_limit"] = kb.exact_index_limit
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    results["sizes"] = bench_sizes(sizes, pool, embedder, default_model(), kb.exact_index_limit, args.queries)
    results["environment"]["load_average_end"] = os.getloadavg()
    results["peak_rss_mb"] = peak_rss_mb()
    print_tables(results)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    return 0 if targets_met(results) else 1


if __name__ == "__main__":
    sys.exit(main())
