"""Which model the running Rasa serves: the one named in `$RUN_DIR/model.path`.

    publish(Path("models/model-ab12.tar.gz"), pointer_file())   # make train
    published_model(pointer_file())                             # each Rasa worker

`make run` writes the file before Rasa starts; `make train` rewrites it (`python -m
bot.training --publish`), and every Rasa worker follows it (`bot.model_reload`). Plain
files, no Rasa import: training imports this before it knows whether it trains at all.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

POINTER_NAME = "model.path"


def pointer_file(env: Mapping[str, str] = os.environ) -> Path | None:
    """`$RUN_DIR/model.path`; None where RUN_DIR is not set (tests, a bare `rasa run`)."""
    run_dir = env.get("RUN_DIR", "")
    return Path(run_dir) / POINTER_NAME if run_dir else None


def publish(model: Path, pointer: Path) -> None:
    """Name `model` as the one to serve; atomic, so a worker never reads half a path."""
    pointer.parent.mkdir(parents=True, exist_ok=True)
    partial = pointer.with_name(f".{pointer.name}.{os.getpid()}")
    partial.write_text(f"{model.resolve()}\n")
    partial.replace(pointer)


def published_model(pointer: Path) -> Path | None:
    """The model the pointer names, if it names one."""
    try:
        named = pointer.read_text().strip()
    except FileNotFoundError:
        return None
    return Path(named) if named else None
