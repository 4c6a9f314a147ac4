"""A copy of the bot's config, domain and data to add training data to, validate and train,
without touching bot/data (tests of what trainers add).

    copy = copy_bot(tmp_path)            # config.yml, data/, domain/domain.yml
    (copy / "data" / "mine.yml").write_text(...)
    model = train_copy(copy)               # minutes: once per module
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


def train_copy(copy: Path) -> Path:
    """Train the copy as a trainer would (`python -m bot.training`), who sees its stages."""
    result = subprocess.run(
        [
            sys.executable, "-m", "bot.training", "--no-report", "--out", str(copy / "models"),
            "--config", str(copy / "config.yml"), "--domain", str(copy / "domain"),
            "--data", str(copy / "data"),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    stages = [line for line in result.stderr.splitlines() if line.startswith("training [")]
    assert any("rasa train" in line for line in stages), f"no training stages shown: {stages}"
    assert stages[-1].endswith("model trained"), f"training did not say it finished: {stages}"
    return Path(result.stdout.strip().splitlines()[-1])
