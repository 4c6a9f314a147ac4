"""A draft FAQ from a cluster: its questions as variants and the answer agents gave.

The draft answer is the agents' reply that shares the most words with the other replies in
the cluster's conversations, so the substance agents kept repeating wins over a greeting
or a one-off remark. A person reviews it before it reaches the bot (export.py).

    draft = suggest_faq(cluster, taken=catalog_ids)
    draft.id, draft.questions, draft.answer
"""

from __future__ import annotations

import re
from typing import Collection, Sequence

from handoff.insights.clustering import Cluster
from handoff.insights.export import SuggestedFaq, faq_id

MAX_VARIANTS = 20
_REPLIES_COMPARED = 50
NO_REPLY = "(No agent replied yet: write the answer here.)"


def suggest_faq(cluster: Cluster, taken: Collection[str]) -> SuggestedFaq:
    """The cluster as a draft FAQ whose id is not among `taken`."""
    return SuggestedFaq(
        id=faq_id(cluster.central, taken=list(taken)),
        questions=cluster.texts[:MAX_VARIANTS],
        answer=representative_reply(agent_replies(cluster)[:_REPLIES_COMPARED]) or NO_REPLY,
    )


def agent_replies(cluster: Cluster) -> list[str]:
    """Every distinct agent reply to the cluster's questions, in the order they came."""
    replies = (reply.strip() for q in cluster.questions for reply in q.agent_replies)
    return list(dict.fromkeys(reply for reply in replies if reply))


def representative_reply(replies: Sequence[str]) -> str:
    """The reply with the most words in common with the others; the longest on a tie."""
    if not replies:
        return ""
    words = [set(re.findall(r"\w+", reply.lower())) for reply in replies]

    def shared(index: int) -> float:
        own = words[index]
        return sum(
            len(own & other) / len(own | other) if own | other else 0.0
            for position, other in enumerate(words)
            if position != index
        )

    best = max(range(len(replies)), key=lambda index: (shared(index), len(replies[index])))
    return replies[best]
