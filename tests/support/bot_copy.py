"""A copy of the bot's config, domain and data to add training data to, validate and train,
without touching bot/data (tests of what trainers add).

    copy = copy_bot(tmp_path)            # config.yml, data/, domain/domain.yml
    (copy / "data" / "mine.yml").write_text(...)
    model = train_copy(copy, "mine")     # minutes: once per module
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def copy_bot(destination: Path) -> Path:
    shutil.copy(ROOT / "config.yml", destination / "config.yml")
    shutil.copytree(ROOT / "bot" / "data", destination / "data")
    (destination / "domain").mkdir()
    shutil.copy(ROOT / "domain.yml", destination / "domain" / "domain.yml")
    return destination


def rasa_on_copy(copy: Path, *command: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """`rasa <command>` on the copy's config, domain and data (an assertion names failure)."""
    arguments = [
        sys.executable, "-m", "rasa", *command, "--config", str(copy / "config.yml"),
        "--domain", str(copy / "domain"), "--data", str(copy / "data"),
    ]  # fmt: skip
    result = subprocess.run(arguments, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def train_copy(copy: Path, name: str) -> Path:
    rasa_on_copy(
        copy, "train", "--out", str(copy / "models"), "--fixed-model-name", name, timeout=900
    )
    return copy / "models" / f"{name}.tar.gz"
