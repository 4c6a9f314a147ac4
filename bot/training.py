"""Train the Rasa model only when its inputs changed: `python -m bot.training [--out DIR]`.

The model file is named after a hash of everything that shapes it (config, domain,
training data, our component code), so `make run`, `make train` and the test suite all
reuse one model until something that matters changes. Prints the model path, and after
training a new one, the training report on stderr (`bot.training_report`: intents the model
confuses, intents short of examples, examples that collide with an FAQ, the FAQ answers'
expected accuracy and hand-offs, FAQs the retriever confuses). With `--publish` (`make
train`), it also names the model in `$RUN_DIR/model.path`, which every worker of a running
Rasa follows (`bot.served_model`).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import time
from dataclasses import astuple, dataclass
from pathlib import Path

from bot.code_fingerprint import code_fingerprint
from bot.faq.catalog import FaqFileError, load_faq_file
from bot.served_model import pointer_file, publish

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "bot" / "data"
CONFIG = ROOT / "config.yml"
DOMAIN = ROOT / "domain.yml"
KEEP_MODELS = 3
PROGRESS_EVERY_S = 30
_STARTED = time.monotonic()


def stage(what: str) -> None:
    """One progress line with the time since start, on stderr (stdout is the model path)."""
    minutes, seconds = divmod(int(time.monotonic() - _STARTED), 60)
    print(f"training [{minutes}:{seconds:02d}] {what}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class BotSources:
    """What a trainer edits: the project's own files, or a copy of them (tests train copies)."""

    config: Path = CONFIG
    domain: Path = DOMAIN
    data: Path = DATA_DIR


PROJECT = BotSources()


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]


def trainer_files(sources: BotSources = PROJECT) -> list[Path]:
    """The trainer's files: with our code (`code_fingerprint`), all that shapes a model."""
    return [sources.config, *files_under(sources.domain), *files_under(sources.data)]


def fingerprint(sources: BotSources = PROJECT) -> str:
    digest = hashlib.sha256(code_fingerprint().encode())
    for path in trainer_files(sources):
        name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        digest.update(str(name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def check_faq_files(data_dir: Path = DATA_DIR) -> None:
    """Fail early, with file, entry and problem, on a broken FAQ file."""
    from bot.importer import find_faq_files

    files = find_faq_files(str(data_dir))
    if not files:
        raise FaqFileError(data_dir, "directory", "holds no FAQ file (a YAML file with 'faqs:')")
    for path in files:
        load_faq_file(path)


def model_file(out_dir: Path, sources: BotSources = PROJECT) -> Path:
    """Where the model for the current inputs is (or will be) kept."""
    return out_dir / f"model-{fingerprint(sources)}.tar.gz"


def ensure_model(out_dir: Path = ROOT / "models", sources: BotSources = PROJECT) -> Path:
    """The trained model for the current inputs, training it first if needed."""
    model = model_file(out_dir, sources)
    if model.exists():
        return model
    stage("checking the FAQ files")
    check_faq_files(sources.data)
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "rasa",
        "train",
        "--config",
        str(sources.config),
        "--domain",
        str(sources.domain),
        "--data",
        str(sources.data),
        "--out",
        str(out_dir),
        "--fixed-model-name",
        model.name[: -len(".tar.gz")],
    ]
    stage(f"rasa train: NLU pipeline, then dialogue policies, into {model.name}")
    # Rasa's output goes to stderr: stdout carries only the model path (scripts read it).
    rasa = subprocess.Popen(command, cwd=ROOT, stdout=sys.stderr)
    while True:
        try:
            if rasa.wait(timeout=PROGRESS_EVERY_S):
                raise subprocess.CalledProcessError(rasa.returncode, command)
            break
        except subprocess.TimeoutExpired:
            stage("rasa train is still running")
    stage("model trained")
    if not model.exists():
        raise RuntimeError(f"rasa train finished without writing {model}")
    prune_old_models(out_dir)
    return model


def prune_old_models(out_dir: Path, keep: int = KEEP_MODELS) -> None:
    """Keep the newest few models (for a quick rollback), delete older ones."""
    models = sorted(out_dir.glob("model-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    for old in models[:-keep]:
        old.unlink(missing_ok=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "models")
    parser.add_argument("--config", type=Path, default=CONFIG)
    parser.add_argument("--domain", type=Path, default=DOMAIN, help="a file or a directory")
    parser.add_argument("--data", type=Path, default=DATA_DIR)
    parser.add_argument("--no-report", action="store_true", help="skip the training report")
    parser.add_argument(
        "--publish", action="store_true", help="serve it: name it in $RUN_DIR/model.path"
    )
    args = parser.parse_args()
    pointer = pointer_file()
    if args.publish and pointer is None:
        parser.error("--publish needs RUN_DIR (scripts/env.sh sets it)")
    sources = BotSources(args.config, args.domain, args.data)
    trains = not model_file(args.out, sources).exists()
    try:
        model = ensure_model(args.out, sources)
        print(model, flush=True)
    except FaqFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as error:
        print(f"error: rasa train failed (exit {error.returncode})", file=sys.stderr)
        return 1
    if args.publish and pointer is not None:
        publish(model, pointer)
    if trains and not args.no_report:
        from bot.training_report import (
            faq_calibration,
            format_faq_report,
            format_report,
            report_for,
        )

        stage("training report")
        print(format_report(report_for(*astuple(sources))), file=sys.stderr)
        calibration = faq_calibration(model)
        if calibration:
            print(format_faq_report(calibration), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
