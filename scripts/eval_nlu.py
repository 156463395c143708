"""Scores a trained model on a held-out NLU file: intent macro-F1, service_item accuracy, confusions.

Runs in the Rasa runtime (Python 3.10): `python scripts/eval_nlu.py MODEL HELDOUT.yml`.
The held-out file is never part of the training data (a unit test checks there is no overlap).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections import Counter

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
logging.disable(logging.WARNING)

from rasa.core.agent import Agent  # noqa: E402 - after the logging and TF settings above
from rasa.shared.nlu.training_data.loading import load_data  # noqa: E402
from sklearn.metrics import classification_report, f1_score  # noqa: E402


def service_of(intent: str | None) -> str | None:
    return intent[5:] if intent and intent.startswith("need_") else None


async def predict(model: str, texts: list[str]) -> list[str]:
    agent = Agent.load(model)
    predictions = []
    for text in texts:
        parsed = await agent.parse_message(text)
        predictions.append((parsed.get("intent") or {}).get("name") or "None")
    return predictions


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("heldout")
    parser.add_argument("--json", dest="json_out", help="also write the figures to this file")
    parser.add_argument("--min-f1", type=float, default=None, help="exit 1 below this macro-F1")
    args = parser.parse_args()

    examples = [m for m in load_data(args.heldout).intent_examples]
    texts = [m.get("text") for m in examples]
    gold = [m.get("intent") for m in examples]
    pred = asyncio.run(predict(args.model, texts))

    labels = sorted(set(gold))
    macro_f1 = f1_score(gold, pred, labels=labels, average="macro", zero_division=0)
    service_pairs = [(service_of(g), service_of(p)) for g, p in zip(gold, pred) if service_of(g)]
    service_acc = sum(g == p for g, p in service_pairs) / len(service_pairs)
    accuracy = sum(g == p for g, p in zip(gold, pred)) / len(gold)
    confusions = Counter((g, p) for g, p in zip(gold, pred) if g != p)

    print(classification_report(gold, pred, labels=labels, zero_division=0, digits=3))
    print(f"held-out utterances:        {len(gold)}")
    print(f"intent accuracy:            {accuracy:.3f}")
    print(f"intent macro-F1:            {macro_f1:.3f}")
    print(f"service_item accuracy:      {service_acc:.3f}  (on {len(service_pairs)} service utterances)")
    print("confusion pairs (gold → predicted: count):")
    for (g, p), n in confusions.most_common():
        print(f"  {g} → {p}: {n}")
    print("misclassified:")
    for text, g, p in zip(texts, gold, pred):
        if g != p:
            print(f"  [{g} → {p}] {text}")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as out:
            json.dump(
                {"n": len(gold), "macro_f1": macro_f1, "service_item_accuracy": service_acc, "accuracy": accuracy}, out
            )
    if args.min_f1 is not None and macro_f1 < args.min_f1:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
