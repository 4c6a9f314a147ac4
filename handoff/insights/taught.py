"""The answers agents marked good, as draft FAQs: the same YAML a cluster exports.

drafts = taught_drafts(review_list, taken=catalog_ids)
print(faqs_yaml(drafts))    # a `faqs:` file to review, then paste into bot/data/
"""

from __future__ import annotations

from typing import Collection, Sequence

from handoff.insights.export import SuggestedFaq, faq_id
from handoff.protocol import TaughtAnswer


def taught_drafts(answers: Sequence[TaughtAnswer], taken: Collection[str]) -> list[SuggestedFaq]:
    """One draft per marked answer: the customer's question as its first variant, the
    agent's reply as its answer, an id unused by `taken` and by the drafts before it."""
    ids = list(taken)
    drafts = []
    for answer in answers:
        draft_id = faq_id(answer["question"], taken=ids)
        ids.append(draft_id)
        drafts.append(SuggestedFaq(draft_id, (answer["question"],), answer["answer"].strip()))
    return drafts
