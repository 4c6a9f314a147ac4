"""Live reload: every Rasa worker switches to the model `make train` names, losing nothing.

    python -m bot.training --publish                  # make train: writes $RUN_DIR/model.path
    blueprint.listener("after_server_start")(watch)   # bot/channels.py: in every worker

`make run` serves several Sanic workers in one Rasa process, and an HTTP call such as
`PUT /model` reaches only one of them. So each worker watches the one file that names the
model to serve, `$RUN_DIR/model.path` (written by `make run`, rewritten atomically by
`make train`), every MODEL_RELOAD_INTERVAL_S. When it names another model, the worker
builds that model's processor on a thread while it goes on serving with the old one, then
swaps it in between two messages, as `Agent.load_model` does. A message already inside the
old processor finishes there; the next one meets the new model. A model that fails to load
is logged and skipped, and the worker keeps the one it has.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

from rasa.core.agent import Agent
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.processor import MessageProcessor
from sanic import Sanic

from bot import process_tuning
from bot.served_model import pointer_file, published_model

logger = logging.getLogger(__name__)

INTERVAL_SETTING = "MODEL_RELOAD_INTERVAL_S"
DEFAULT_INTERVAL_S = 2.0


def build_processor(agent: Agent, model: Path) -> MessageProcessor:
    """The slow half of `Agent.load_model` (unpack, load every component): safe on a thread,
    since it only reads the agent's stores and endpoints."""
    return MessageProcessor(
        model_path=model,
        tracker_store=agent.tracker_store,
        lock_store=agent.lock_store,
        action_endpoint=agent.action_endpoint,
        generator=agent.nlg,
        http_interpreter=agent.http_interpreter,
    )


def install(agent: Agent, processor: MessageProcessor) -> None:
    """The quick half of `Agent.load_model`, with no await inside: no message can see the
    new processor with the old domain or responses."""
    agent.processor = processor
    agent.domain = processor.domain
    agent.fingerprint = processor.model_metadata.model_id
    agent.tracker_store.domain = agent.domain
    if isinstance(agent.nlg, TemplatedNaturalLanguageGenerator):
        agent.nlg.responses = agent.domain.responses if agent.domain else {}


class ModelWatcher:
    """Follows the pointer file for the agent of one Sanic worker.

    watcher = ModelWatcher(app, Path("var/model.path"))
    await watcher.check()   # True when it switched to another model
    """

    def __init__(self, app: Sanic, pointer: Path) -> None:
        self._app = app
        self._pointer = pointer
        self._refused: Path | None = None  # the model that failed to load, not retried

    async def check(self) -> bool:
        # Looked up each time: `PUT /model` replaces the agent of the worker it reaches.
        agent: Agent = self._app.ctx.agent
        wanted = published_model(self._pointer)
        if wanted is None or wanted == self._refused or agent.processor is None:
            return False
        if wanted.resolve() == agent.processor.model_path.resolve():
            return False
        try:
            processor = await asyncio.to_thread(build_processor, agent, wanted)
        except Exception:
            logger.exception(
                "worker %d: cannot load %s; keeps serving the old model", os.getpid(), wanted
            )
            self._refused = wanted
            return False
        install(agent, processor)
        process_tuning.retune_after_reload()
        logger.info("worker %d: now serves %s", os.getpid(), wanted.name)
        return True

    async def run(self, interval_s: float) -> None:
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.check()
            except Exception:  # a bad pointer file must not end the watching
                logger.exception("worker %d: checking %s failed", os.getpid(), self._pointer)


async def watch(app: Sanic, *_: Any) -> None:
    """Sanic `after_server_start` listener: each worker follows the pointer from now on."""
    pointer = pointer_file()
    if pointer is None:
        return
    interval_s = float(os.environ.get(INTERVAL_SETTING) or DEFAULT_INTERVAL_S)
    app.add_task(ModelWatcher(app, pointer).run(interval_s))
    logger.info("worker %d: follows the model named in %s", os.getpid(), pointer)
