"""SMP2017-ECDT (task 1, domain classification) as an external NLU benchmark for our pipeline.

Runs in the Rasa runtime (Python 3.10); driven by `scripts/eval_smp.sh` (`make eval-smp`).
Three sub-commands, all writing only where they are told (a temp dir, never the project):

  convert SPLIT_DIR PREFIX OUT.yml   <PREFIX>_<domain>.txt files → Rasa NLU YAML, intent = domain
  config  CONFIG.yml OUT.yml         the `pipeline:` of CONFIG minus FallbackClassifier (SMP has
                                     no fallback label); every other component/setting unchanged
  score   MODEL TEST.yml             predicts every test utterance, prints weighted/macro F1, acc.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import yaml

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

DROPPED_COMPONENTS = {"FallbackClassifier"}


def read_split(split_dir: Path, prefix: str) -> dict[str, list[str]]:
    """{domain: unique utterances in file order}. BOM, CR and surrounding blanks stripped."""
    files = sorted(split_dir.glob(f"{prefix}_*.txt"))
    if not files:
        raise SystemExit(f"error: no {prefix}_*.txt files in {split_dir}")
    data: dict[str, list[str]] = {}
    for path in files:
        domain = path.stem[len(prefix) + 1 :]
        seen: dict[str, None] = dict.fromkeys(data.get(domain, []))
        with open(path, encoding="utf-8-sig") as handle:  # utf-8-sig drops a leading BOM
            for line in handle:
                text = line.replace("\ufeff", "").strip()
                if text:
                    seen.setdefault(text, None)
        data[domain] = list(seen)
    return data


def to_example(text: str) -> str:
    # Rasa reads `[x](entity)` / `[x]{...}` as entity annotations: keep brackets literal
    # by using their full-width forms (the project's normaliser maps them back at runtime).
    return text.replace("[", "［").replace("]", "］")


def cmd_convert(args: argparse.Namespace) -> int:
    data = read_split(Path(args.split_dir), args.prefix)
    lines = ['version: "3.1"', "nlu:"]
    for domain, texts in data.items():
        lines.append(f"- intent: {domain}")
        lines.append("  examples: |")
        lines.extend(f"    - {to_example(t)}" for t in texts)
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    total = sum(len(t) for t in data.values())
    print(f"{args.prefix}: {total} utterances in {len(data)} domains → {args.out}")
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    with open(args.config, encoding="utf-8") as handle:
        source = yaml.safe_load(handle)
    pipeline = source.get("pipeline")
    if not pipeline:
        raise SystemExit(f"error: {args.config} has no pipeline")
    kept = [c for c in pipeline if c.get("name") not in DROPPED_COMPONENTS]
    if not any(c.get("name") == "DIETClassifier" for c in kept):
        raise SystemExit(f"error: {args.config} has no DIETClassifier in its pipeline")
    out = {k: source[k] for k in ("recipe", "language", "assistant_id") if k in source}
    out["pipeline"] = kept
    out["policies"] = []  # NLU-only
    with open(args.out, "w", encoding="utf-8") as handle:
        yaml.safe_dump(out, handle, allow_unicode=True, sort_keys=False)
    dropped = [c["name"] for c in pipeline if c.get("name") in DROPPED_COMPONENTS]
    print(f"config: {len(kept)} components from {args.config} (dropped: {', '.join(dropped) or '-'})")
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    import asyncio
    import logging

    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # unconfigured structlog prints every parse at debug
    logging.disable(logging.WARNING)
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.loading import load_data
    from sklearn.metrics import accuracy_score, classification_report, f1_score

    examples = load_data(args.test).intent_examples
    texts = [m.get("text") for m in examples]
    gold = [m.get("intent") for m in examples]

    async def predict() -> list[str]:
        agent = Agent.load(args.model)
        out = []
        for text in texts:
            parsed = await agent.parse_message(text)
            out.append((parsed.get("intent") or {}).get("name") or "None")
        return out

    pred = asyncio.run(predict())
    labels = sorted(set(gold))
    weighted = f1_score(gold, pred, labels=labels, average="weighted", zero_division=0)
    macro = f1_score(gold, pred, labels=labels, average="macro", zero_division=0)
    accuracy = accuracy_score(gold, pred)
    if args.report:
        print(classification_report(gold, pred, labels=labels, zero_division=0, digits=3))
    print(f"weighted F1: {weighted:.4f}")
    print(f"macro F1:    {macro:.4f}")
    print(f"accuracy:    {accuracy:.4f}")
    print(f"SMP2017-ECDT test: weighted F1 {weighted:.3f} (n={len(gold)})")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as handle:
            json.dump({"n": len(gold), "weighted_f1": weighted, "macro_f1": macro, "accuracy": accuracy}, handle)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("convert")
    p.add_argument("split_dir")
    p.add_argument("prefix")
    p.add_argument("out")
    p.set_defaults(func=cmd_convert)
    p = sub.add_parser("config")
    p.add_argument("config")
    p.add_argument("out")
    p.set_defaults(func=cmd_config)
    p = sub.add_parser("score")
    p.add_argument("model")
    p.add_argument("test")
    p.add_argument("--report", action="store_true", help="per-domain classification report")
    p.add_argument("--json", dest="json_out")
    p.set_defaults(func=cmd_score)
    args = parser.parse_args()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
