"""One hash of our bot code: what decides, next to the trainer's files, what a model is.

Rasa's training cache keys each component's output on its config and inputs, not on its
code, so after a change to our code `rasa train` would hand back the old component's
output (a stale FAQ calibration in a model named after the new code). Our components add
this hash to their cache key (`fingerprint_addon`), and `bot.training` to the model's name
(with the trainer's files).

    code_fingerprint()   # '3f1c...', the same until a file of bot/ changes
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

BOT_DIR = Path(__file__).resolve().parent
# Data our code reads at training time, as much a part of it as the Python.
CODE_DATA = (BOT_DIR / "faq" / "generic_out_of_scope.txt",)


def code_files(root: Path = BOT_DIR) -> list[Path]:
    """The Python files of the bot package and the data files its training reads."""
    data = [path for path in CODE_DATA if path.is_relative_to(root)]
    return [*sorted(root.rglob("*.py")), *data]


@functools.cache
def code_fingerprint(root: Path = BOT_DIR) -> str:
    digest = hashlib.sha256()
    for path in code_files(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
