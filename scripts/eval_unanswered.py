"""The unanswered queue's clustering against a gold grouping written before any clustering ran
(eval/unanswered_seed.yml; eval/unanswered_dev.yml only to choose the threshold).

The questions go through the production path: rows in a throw-away knowledge-base database,
`UnansweredQueue.clusters()` embedding and clustering them. Prints V-measure (with homogeneity
and completeness), the adjusted Rand index and the number of clusters against the gold groups,
then every cluster of more than one question and the singletons, for a person to spot-check.

    .venv-actions/bin/python scripts/eval_unanswered.py            # the 200-question seed
    .venv-actions/bin/python scripts/eval_unanswered.py --dev --sweep   # choose the threshold
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED = ROOT / "eval" / "unanswered_seed.yml"
DEV = ROOT / "eval" / "unanswered_dev.yml"
SWEEP = (0.06, 0.07, 0.08, 0.09, 0.1, 0.11, 0.12, 0.13, 0.14, 0.15, 0.16, 0.18, 0.2)


@dataclass(frozen=True)
class Scores:
    v_measure: float
    homogeneity: float
    completeness: float
    adjusted_rand: float
    clusters: int
    gold_groups: int
    questions: int


def load_gold(path: Path) -> list[tuple[str, str]]:
    """(question, gold group) pairs, in file order."""
    groups = yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
    return [(str(question), str(group)) for group, questions in groups.items() for question in questions]


class Harness:
    """One throw-away queue holding the questions; clustering it again at another threshold
    reuses the vectors stored on the rows, as the production queue does."""

    def __init__(self, gold: list[tuple[str, str]], folder: Path) -> None:
        from bot.db import session_factory
        from bot.editing.unanswered import UnansweredQueue
        from bot.editing.workbench import Workbench
        from bot.knowledge.config import KnowledgeSettings
        from bot.knowledge.store import KbUnanswered

        kb = KnowledgeSettings.from_env(f"sqlite:///{folder / 'unanswered-eval.db'}")
        self.queue = UnansweredQueue(Workbench(kb))
        with session_factory(kb.db_url)() as session, session.begin():
            rows = [KbUnanswered(question=q, outcome="abstain", confidence=0.0) for q, _group in gold]
            session.add_all(rows)
            session.flush()
            self.gold = {row.id: group for row, (_q, group) in zip(rows, gold, strict=True)}
        self.questions = {row.id: q for row, (q, _group) in zip(rows, gold, strict=True)}

    def clusters(self, threshold: float) -> list[dict]:
        self.queue.threshold = threshold
        return self.queue.clusters()["clusters"]

    def score(self, clusters: list[dict]) -> Scores:
        from sklearn import metrics

        found = {row_id: cluster["id"] for cluster in clusters for row_id in cluster["rows"]}
        ids = sorted(self.gold)
        truth, predicted = [self.gold[i] for i in ids], [found[i] for i in ids]
        homogeneity, completeness, v_measure = metrics.homogeneity_completeness_v_measure(truth, predicted)
        return Scores(
            v_measure=v_measure,
            homogeneity=homogeneity,
            completeness=completeness,
            adjusted_rand=metrics.adjusted_rand_score(truth, predicted),
            clusters=len(set(predicted)),
            gold_groups=len(set(truth)),
            questions=len(ids),
        )


def evaluate(path: Path = SEED, threshold: float | None = None) -> tuple[Scores, list[dict], dict[int, str]]:
    """The scores of the production clustering on `path`, its clusters and the gold labels."""
    from bot.editing.unanswered import DISTANCE_THRESHOLD

    with tempfile.TemporaryDirectory() as folder:
        harness = Harness(load_gold(path), Path(folder))
        clusters = harness.clusters(DISTANCE_THRESHOLD if threshold is None else threshold)
        return harness.score(clusters), clusters, harness.gold


def _line(scores: Scores) -> str:
    return (
        f"V-measure {scores.v_measure:.3f} (homogeneity {scores.homogeneity:.3f}, "
        f"completeness {scores.completeness:.3f}) · ARI {scores.adjusted_rand:.3f} · "
        f"{scores.clusters} clusters vs {scores.gold_groups} gold groups · {scores.questions} questions"
    )


def spot_check(clusters: list[dict], gold: dict[int, str]) -> None:
    """Every cluster with its gold labels: a mixed cluster shows more than one label."""
    singles = []
    for cluster in clusters:
        labels = sorted({gold[i] for i in cluster["rows"]})
        if cluster["count"] == 1:
            singles.append(f"{cluster['representative']}  [{labels[0]}]")
            continue
        mark = "" if len(labels) == 1 else "  ← mixed"
        print(f"\n#{cluster['id']} ×{cluster['count']} 「{cluster['representative']}」 gold: {', '.join(labels)}{mark}")
        for question in cluster["questions"]:
            print(f"    {question['text']}")
    print(f"\n{len(singles)} singletons:")
    for single in singles:
        print(f"    {single}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dev", action="store_true", help="the development set (to choose the threshold)")
    parser.add_argument("--sweep", action="store_true", help="score a range of thresholds")
    parser.add_argument("--threshold", type=float, help="instead of the production threshold")
    parser.add_argument("--quiet", action="store_true", help="the figures only, no cluster listing")
    args = parser.parse_args()
    from bot.editing.unanswered import DISTANCE_THRESHOLD

    path = DEV if args.dev else SEED
    with tempfile.TemporaryDirectory() as folder:
        harness = Harness(load_gold(path), Path(folder))
        print(f"{path.relative_to(ROOT)}")
        if args.sweep:
            for threshold in SWEEP:
                print(f"  threshold {threshold:.3f}: {_line(harness.score(harness.clusters(threshold)))}")
            return 0
        threshold = DISTANCE_THRESHOLD if args.threshold is None else args.threshold
        clusters = harness.clusters(threshold)
        print(f"threshold {threshold:.3f}: {_line(harness.score(clusters))}")
        if not args.quiet:
            spot_check(clusters, harness.gold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
