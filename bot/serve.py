"""`rasa run` as a supervised service: what `make run`, systemd and supervisord start.

    RASA_TOKEN=... SANIC_WORKERS=3 python -m bot.serve -p 5005 -m models/x.tar.gz \
        --endpoints endpoints.yml --credentials credentials.yml

- The API token comes from RASA_TOKEN, never from the command line: Rasa takes it only as an
  argument, and a command line is visible to every user of the machine (`ps`).
- Each worker process Rasa forks dies with it (PR_SET_PDEATHSIG). Otherwise a worker whose
  parent was killed (SIGKILL, the OOM killer) keeps the port, and the supervisor's restart
  of Rasa cannot bind it.
- Where `$RUN_DIR/model.path` names a model (`python -m bot.training --publish`), Rasa
  starts with that one, whatever `-m` says: a restart serves what was published last (a
  rollback too), not the newest file in `models/`, and the workers then follow the file
  (bot/model_reload.py).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from typing import Mapping

from bot.served_model import pointer_file, published_model

PR_SET_PDEATHSIG = 1  # prctl(2)


def die_with_parent() -> None:
    """In a forked child: the kernel sends it SIGTERM when the process that forked it ends."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def published_model_args(env: Mapping[str, str] = os.environ) -> list[str]:
    """`--model <model>` when the pointer file names a model that exists (Rasa's last
    `--model` wins), else nothing."""
    pointer = pointer_file(env)
    model = published_model(pointer) if pointer is not None else None
    return ["--model", str(model)] if model is not None and model.is_file() else []


def main() -> None:
    os.register_at_fork(after_in_child=die_with_parent)
    from rasa.__main__ import main as rasa_main

    sys.argv[1:1] = ["run", "--enable-api", "--auth-token", os.environ["RASA_TOKEN"]]
    sys.argv += published_model_args()
    rasa_main()


if __name__ == "__main__":
    main()
