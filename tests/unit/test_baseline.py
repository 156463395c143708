"""The benchmarks' same-sitting baseline (scripts/baseline.py): an older revision's own harness
run from a temporary worktree that borrows this checkout's environments, then cleaned away."""

from __future__ import annotations

import subprocess

import pytest

from tests.support.scripts import load_script


def _worktrees(root) -> int:  # noqa: ANN001
    listed = subprocess.run(["git", "-C", str(root), "worktree", "list"], capture_output=True, text=True).stdout
    return len(listed.splitlines())


def test_an_option_and_its_value_are_left_out(monkeypatch):
    baseline = load_script("baseline", monkeypatch)
    argv = ["--users", "20", "--baseline", "de34011", "--runs", "3", "--baseline=HEAD~1", "--scaled"]
    assert baseline.without_option(argv, "--baseline") == ["--users", "20", "--runs", "3", "--scaled"]


def test_a_revision_that_names_no_commit_is_refused(monkeypatch):
    baseline = load_script("baseline", monkeypatch)
    with pytest.raises(ValueError, match="not a commit"):
        baseline.resolve("no-such-revision-anywhere")


def test_the_revisions_own_script_runs_and_its_worktree_is_removed(monkeypatch):
    baseline = load_script("baseline", monkeypatch)
    before = _worktrees(baseline.ROOT)
    measured = baseline.measure_baseline("HEAD", "bench_load.py", ["--help"], r"concurrent conversations \(≤ (\d+)\)")
    assert measured.figure == 200.0, measured.output[-2000:]
    assert measured.revision == baseline.resolve("HEAD")
    assert _worktrees(baseline.ROOT) == before


def test_an_option_an_older_harness_lacks_is_told(monkeypatch):
    baseline = load_script("baseline", monkeypatch)
    assert baseline.knows_option("HEAD", "bench_load.py", "--scaled")
    assert not baseline.knows_option("HEAD", "bench_load.py", "--no-such-option")
