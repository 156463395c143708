"""Training the Rasa model only when its inputs change.

The model is named by a hash of everything that shapes it (config, domain, training data,
the dictionary and the code of the custom NLU components, the Rasa lock), so `make run`
and `make test` train once and then reuse it, and a stale model is never served.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from bot.settings import settings

TRAINING_DATA = ("data/nlu", "data/rules", "data/stories")
MODEL_INPUTS = (
    "config.yml",
    "domain.yml",
    *TRAINING_DATA,
    "bot/nlu",
    "bot/language",
    "requirements/rasa.lock",
)
KEEP_MODELS = 3


def _files(root: Path, entry: str) -> list[Path]:
    path = root / entry
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return [path] if path.exists() else []


def training_hash(root: Path | None = None) -> str:
    root = root or settings.project_root
    digest = hashlib.sha256()
    for entry in MODEL_INPUTS:
        for path in _files(root, entry):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(root: Path | None = None) -> Path:
    return settings.models_dir / f"banshi-{training_hash(root)}.tar.gz"


def rasa_executable(root: Path | None = None) -> Path:
    return (root or settings.project_root) / ".venv-rasa" / "bin" / "rasa"


def rasa_python(root: Path | None = None) -> Path:
    return (root or settings.project_root) / ".venv-rasa" / "bin" / "python"


def rasa_env(root: Path | None = None) -> dict[str, str]:
    """Environment for Rasa subprocesses: telemetry off, quiet TensorFlow."""
    root = root or settings.project_root
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    return env


def ensure_model(root: Path | None = None, quiet: bool = False) -> Path:
    """Returns the model for the current inputs, training it first if it does not exist.

    Progress is written to stderr.
    """
    root = root or settings.project_root
    target = model_path(root)
    if target.exists():
        if not quiet:
            print(f"==> 模型未变化，复用 {target.name}", file=sys.stderr, flush=True)
        return target
    print(f"==> 训练 Rasa 模型 {target.name}（约一两分钟）", file=sys.stderr, flush=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        str(rasa_executable(root)),
        "train",
        "--config",
        "config.yml",
        "--domain",
        "domain.yml",
        "--data",
        *TRAINING_DATA,
        "--out",
        str(target.parent),
        "--fixed-model-name",
        target.name.removesuffix(".tar.gz"),
    ]
    # progress goes to stderr: stdout of `python -m bot model-path` is the path alone
    result = subprocess.run(cmd, cwd=root, env=rasa_env(root), stdout=sys.stderr)
    if result.returncode != 0 or not target.exists():
        sys.exit(f"模型训练失败（退出码 {result.returncode}），请查看上面的日志。")
    _prune(target)
    return target


def _prune(keep: Path) -> None:
    models = sorted(keep.parent.glob("banshi-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    for old in models[:-KEEP_MODELS]:
        if old != keep:
            old.unlink(missing_ok=True)
