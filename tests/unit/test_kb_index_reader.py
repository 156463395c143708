"""The index reader under publishes racing it: a generation pruned while it opens it is
followed to the newer one, a generation that is really missing does not loop, and the last
good snapshot keeps answering."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge import index


class _Snap:
    def __init__(self, generation: str) -> None:
        self.generation = generation


def test_a_pruned_generation_is_followed_to_the_newer_one(monkeypatch, tmp_path: Path):
    currents = iter(["g1", "g2", "g2", "g2"])
    monkeypatch.setattr(index, "current_generation", lambda _dir: next(currents))

    def load(_dir, generation):
        if generation == "g1":
            raise FileNotFoundError(generation)
        return _Snap(generation)

    monkeypatch.setattr(index, "load", load)
    assert index.IndexReader(tmp_path).snapshot().generation == "g2"


def test_a_missing_generation_keeps_the_last_good_snapshot_without_looping(monkeypatch, tmp_path: Path):
    reader = index.IndexReader(tmp_path)
    monkeypatch.setattr(index, "current_generation", lambda _dir: "g1")
    monkeypatch.setattr(index, "load", lambda _dir, generation: _Snap(generation))
    assert reader.snapshot().generation == "g1"
    calls = []

    def broken(_dir, generation):
        calls.append(generation)
        raise FileNotFoundError(generation)

    monkeypatch.setattr(index, "current_generation", lambda _dir: "g2")
    monkeypatch.setattr(index, "load", broken)
    assert reader.snapshot().generation == "g1" and calls == ["g2"]


def test_publishes_faster_than_reading_give_up_after_a_few_tries(monkeypatch, tmp_path: Path):
    counter = iter(range(100))
    monkeypatch.setattr(index, "current_generation", lambda _dir: f"g{next(counter)}")
    monkeypatch.setattr(index, "load", lambda _dir, generation: (_ for _ in ()).throw(FileNotFoundError(generation)))
    assert index.IndexReader(tmp_path).snapshot() is None
