"""The FAQ answers agents search as canned answers, read from the bot's FAQ file(s) and
read again whenever one changes, so they follow what trainers edit without a restart.

answers = FaqAnswers(["bot/data/faq.yml"])
answers.refresh()   # at start and on each sweep: reads only files that changed
answers.items[0]    # {"id": "place_order", "question": "How do I place an order?", ...}
"""

from __future__ import annotations

import logging
import os
from typing import Iterable

from bot.faq import FaqFileError, load_catalog

log = logging.getLogger("handoff.gateway")

Answer = dict[str, str]
# What tells a file changed: its modification time and size (None: it is missing).
Stamp = tuple[int, int] | None


class FaqAnswers:
    """`{"id", "question", "answer"}` per FAQ (the first question variant is the question),
    the first file's FAQ winning when two files share an id.

    A missing or broken file is logged and its last good answers kept (none, before it was
    ever read): a file saved half-way never empties the console's list, and the gateway
    starts anyway.
    """

    def __init__(self, paths: Iterable[str]) -> None:
        self._paths = list(paths)
        self._stamps: dict[str, Stamp] = {}
        self._by_file: dict[str, list[Answer]] = {path: [] for path in self._paths}
        self.items: list[Answer] = []

    def refresh(self) -> bool:
        """Read the files that changed since the last call; True if the answers changed.
        Blocking (file reads): the gateway calls it on a thread."""
        changed = False
        for path in self._paths:
            stamp = _stamp(path)
            if path in self._stamps and stamp == self._stamps[path]:
                continue
            self._stamps[path] = stamp
            try:
                faqs = load_catalog(path)
            except FaqFileError as error:
                log.warning("FAQ answers of %s not (re)loaded: %s", path, error)
                continue
            self._by_file[path] = [
                {"id": faq.id, "question": faq.questions[0], "answer": faq.answer.strip()}
                for faq in faqs
            ]
            log.info("loaded %d FAQ answers from %s", len(faqs), path)
            changed = True
        if changed:
            self.items = _first_of_each_id(self._by_file[path] for path in self._paths)
        return changed


def _stamp(path: str) -> Stamp:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def _first_of_each_id(lists: Iterable[list[Answer]]) -> list[Answer]:
    seen: set[str] = set()
    merged: list[Answer] = []
    for answers in lists:
        for answer in answers:
            if answer["id"] not in seen:
                seen.add(answer["id"])
                merged.append(answer)
    return merged
