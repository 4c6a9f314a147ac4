"""A report for the current settings, run where it cannot slow the gateway down.

Embedding and clustering take seconds of CPU; the gateway runs them in a process of their
own (`InsightsRunner`), so its event loop, and the GIL it needs, stay with the chats. The
command line calls `build_report` itself.

    report = report_for(Settings.from_env(), since=time.time() - 7 * 86400, until=time.time())
    runner = InsightsRunner(settings); report = await runner.report(since, until)
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Sequence

from redis.asyncio import Redis

from bot.faq import FaqFileError, load_catalog
from bot.faq.embedder import Encoder, load_encoder
from bot.faq.settings import RetrievalSettings
from handoff.insights.report import Report, summarise, tally_period
from handoff.settings import ROOT, Settings
from handoff.stores import Stores

log = logging.getLogger("handoff.insights")
RASA_CONFIG = ROOT / "config.yml"


def report_for(settings: Settings, since: float, until: float) -> Report:
    """`build_report` with a Redis client of its own, for a worker process."""

    async def with_redis() -> Report:
        redis = settings.redis_client()
        try:
            return await build_report(redis, settings, since, until)
        finally:
            await redis.close()

    return asyncio.run(with_redis())


async def build_report(redis: Redis, settings: Settings, since: float, until: float) -> Report:
    """The insights of conversations created in [since, until]. Clustering blocks this
    event loop for seconds: run it where nothing else waits (a command, a worker)."""
    tally = await tally_period(Stores.connect(redis, settings), since, until)
    return summarise(
        tally,
        faq_ids(settings.faq_files),
        bot_encoder(),
        since=since,
        until=until,
        similarity=settings.insights_similarity,
        max_questions=settings.insights_max_questions,
    )


def faq_ids(paths: Sequence[str]) -> list[str]:
    """Every FAQ id of the bot's FAQ files (a broken file is logged and skipped)."""
    ids: dict[str, None] = {}
    for path in paths:
        try:
            ids.update(dict.fromkeys(faq.id for faq in load_catalog(path)))
        except FaqFileError as error:
            log.warning("FAQ ids not read: %s", error)
    return list(ids)


def bot_encoder() -> Encoder:
    """The sentence encoder the bot's FAQ retriever uses (config.yml)."""
    return load_encoder(RetrievalSettings.from_rasa_config(RASA_CONFIG).model)


class InsightsRunner:
    """Reports for the gateway, one at a time, in a worker process started on first use
    (it keeps the encoder loaded between reports)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._pool: ProcessPoolExecutor | None = None

    async def report(self, since: float, until: float) -> Report:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn")
            )
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, report_for, self._settings, since, until)
        except BrokenProcessPool:
            self._pool = None  # the worker died (killed, out of memory): a new one next time
            raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
