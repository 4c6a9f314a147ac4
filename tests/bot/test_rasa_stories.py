"""The trainer path: `rasa data validate` passes and the test stories pass under `rasa test`."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def rasa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rasa", *args], cwd=ROOT, capture_output=True, text=True, timeout=900
    )


def test_training_data_validates() -> None:
    result = rasa(
        "data", "validate", "--config", "config.yml", "--domain", "domain.yml", "--data", "bot/data"
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_conversation_stories_pass(trained_model: Path, tmp_path: Path) -> None:
    result = rasa(
        "test",
        "core",
        "--model",
        str(trained_model),
        "--stories",
        "tests/stories",
        "--out",
        str(tmp_path),
        "--fail-on-prediction-errors",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
