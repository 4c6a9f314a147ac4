"""Replaces `Domain.is_empty`: compared against an empty domain built once.

Rasa 3.6 asks whether the domain is empty for every parsed message, and answers by
building a whole empty `Domain` to compare with.
"""

from __future__ import annotations

import copy
import functools
from typing import Any, Dict

from rasa.shared.core.domain import Domain

from bot.rasa_speedups.patching import Patch

rasa_is_empty = Domain.is_empty


@functools.lru_cache(maxsize=1)
def _empty_domain_data() -> Dict[str, Any]:
    return copy.deepcopy(Domain.empty().as_dict())


def _is_empty(self: Domain) -> bool:
    empty: bool = self.as_dict() == _empty_domain_data()
    return empty


PATCHES = (Patch.replacing(Domain, "is_empty", _is_empty),)
