"""How a Rasa server worker is tuned to serve, once its model is loaded (not a Rasa patch).

    blueprint.listener("after_server_start")(process_tuning.tune_worker)   # bot/channels.py

- One BLAS thread: the matrices of one message are tiny, and numpy's OpenBLAS keeps a
  thread per core that spins in `sched_yield` after each small product, waiting for more
  work; under concurrent conversations that spinning took system time from every core.
- `gc.freeze()`: what exists once the model is loaded (TensorFlow, the model, Rasa) lives
  as long as the worker; frozen, it is left out of Python's full garbage collections,
  which otherwise scan all of it and pause the event loop under load.
"""

from __future__ import annotations

import gc
from typing import Any

from threadpoolctl import threadpool_limits


def limit_blas_threads() -> None:
    threadpool_limits(limits=1, user_api="blas")


async def tune_worker(*_: Any) -> None:
    """Sanic `after_server_start` listener: runs in each worker after Rasa loaded the model."""
    limit_blas_threads()
    gc.freeze()


def retune_after_reload() -> None:
    """After a live model reload (`bot.model_reload`): the old model was frozen with the
    rest, so unfreeze, collect it, and freeze what the new model holds."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
