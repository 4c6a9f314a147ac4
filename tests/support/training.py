"""Train a model on a trainer's copy of the bot's files, as a trainer would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def train_copy(config: Path, domain: Path, data: Path, out: Path, name: str) -> Path:
    """`rasa train` on these files; the model's path (`out/name.tar.gz`)."""
    command = [
        sys.executable, "-m", "rasa", "train", "--config", str(config), "--domain", str(domain),
        "--data", str(data), "--out", str(out), "--fixed-model-name", name,
    ]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out / f"{name}.tar.gz"
