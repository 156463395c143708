"""The knowledge base's question sets: big enough, labelled with real headings, and kept apart
from what the index contains (no linked question is a near copy of an evaluation question)."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from bot.knowledge.evaluation import DEV_FILE, EVAL_FILE, load_eval_set
from bot.knowledge.sources import load_phrasings
from bot.language.text import normalize

ROOT = Path(__file__).resolve().parents[2]
NEAR_COPY = 0.7
"""difflib ratio at or above which a linked question counts as a copy of an evaluation question."""


def _headings(stem: str) -> set[str]:
    text = (ROOT / "knowledge" / f"{stem}.md").read_text(encoding="utf-8")
    return {line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")}


@pytest.mark.parametrize("path, minimum, outside", [(EVAL_FILE, 200, 30), (DEV_FILE, 200, 30)])
def test_question_sets_are_large_and_labelled_with_real_headings(path, minimum, outside):
    eval_set = load_eval_set(path)
    assert len(eval_set.questions) >= minimum and len(eval_set.out_of_kb) >= outside
    texts = [q.text for q in eval_set.questions] + eval_set.out_of_kb
    assert len(set(texts)) == len(texts), "duplicate questions"
    for question in eval_set.questions:
        assert set(question.sections) <= _headings(question.doc), question


def test_held_out_and_development_sets_do_not_share_questions():
    held_out = {normalize(q.text) for q in load_eval_set(EVAL_FILE).questions}
    development = {normalize(q.text) for q in load_eval_set(DEV_FILE).questions}
    assert not held_out & development


def test_no_linked_question_copies_an_evaluation_question():
    asked = []
    for path in (EVAL_FILE, DEV_FILE):
        eval_set = load_eval_set(path)
        asked += [normalize(q.text) for q in eval_set.questions] + [normalize(q) for q in eval_set.out_of_kb]
    copies = []
    for stem, headings in load_phrasings(ROOT / "knowledge").items():
        for heading, phrasings in headings.items():
            for phrasing in phrasings:
                text = normalize(phrasing)
                for question in asked:
                    matcher = difflib.SequenceMatcher(None, text, question)
                    if (
                        matcher.real_quick_ratio() >= NEAR_COPY
                        and matcher.quick_ratio() >= NEAR_COPY
                        and matcher.ratio() >= NEAR_COPY
                    ):
                        copies.append((stem, heading, phrasing, question))
    assert not copies, f"linked questions too close to evaluation questions: {copies[:5]}"
