"""A benchmark's baseline in the same sitting: an older revision measured by its own harness.

The machines are shared and their speed differs from one sitting to the next by more than the
changes measured (issue 17: the same code gave 21.8 turns/s in one sitting and 29.0 in another),
so a figure means something only beside a baseline run in the same sitting. `measure_baseline`
checks the revision out into a temporary git worktree, gives it this checkout's installed
environments and models (symbolic links: nothing is installed twice, a model it trains lands in
the shared cache), runs its own copy of the benchmark with the same options, and returns the
figure it printed. An option the older harness does not know fails its run, which is reported.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from measure import ROOT

SHARED = (".venv-actions", ".venv-rasa", ".tools", "models", "console/node_modules")
"""What a worktree borrows from this checkout: the installed environments and the models."""


@dataclass(frozen=True)
class Baseline:
    revision: str
    """The commit measured (its full id)."""
    figure: float | None
    """The median the harness printed, or None when its run failed."""
    output: str


def without_option(argv: list[str], option: str) -> list[str]:
    """`argv` without `option` and its value (`--opt VALUE` or `--opt=VALUE`)."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == option:
            skip = True
        elif not arg.startswith(f"{option}="):
            kept.append(arg)
    return kept


def knows_option(revision: str, script: str, option: str) -> bool:
    """Whether `scripts/<script>` at `revision` defines `option` (an older harness may not)."""
    shown = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{resolve(revision)}:scripts/{script}"], capture_output=True, text=True
    )
    return shown.returncode == 0 and f'"{option}"' in shown.stdout


def resolve(revision: str) -> str:
    """The commit `revision` names; ValueError when it names none."""
    found = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        raise ValueError(f"{revision!r} is not a commit of this repository")
    return found.stdout.strip()


def measure_baseline(revision: str, script: str, argv: list[str], figure: str) -> Baseline:
    """Runs `scripts/<script>` of `revision` with `argv` and reads the first number matched by
    the regular expression `figure` (one group) from what it printed."""
    commit = resolve(revision)
    folder = Path(tempfile.mkdtemp(prefix="baseline-"))
    tree = folder / "tree"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(tree), commit],
        check=True,
        capture_output=True,
    )
    try:
        for name in SHARED:
            if (ROOT / name).exists() and not (tree / name).exists():
                (tree / name).parent.mkdir(parents=True, exist_ok=True)
                (tree / name).symlink_to(ROOT / name)
        env = os.environ | {"PYTHONPATH": str(tree)}
        run = subprocess.run(
            [str(ROOT / ".venv-actions" / "bin" / "python"), str(tree / "scripts" / script), *argv],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
        )
        output = run.stdout + run.stderr
        found = re.search(figure, run.stdout)
        value = float(found.group(1)) if run.returncode == 0 and found else None
        return Baseline(commit, value, output)
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
