"""The insights report of a period: read the transcripts, count, cluster, draft FAQs.

report = await build_report(stores, faq_ids, encoder, since, until, similarity=0.6)
report["containment_rate"], report["clusters"][0]["suggested_faq"]
print(as_text(report))
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime, timezone
from typing import Any, Sequence

from bot.faq.embedder import Encoder
from handoff.insights.clustering import Cluster, cluster_questions
from handoff.insights.suggestions import agent_replies, suggest_faq
from handoff.insights.tally import Tally
from handoff.stores import Stores

READ_BATCH = 500  # transcripts per Redis round trip
MAX_EXAMPLES = 5
MAX_REPLIES = 5
Report = dict[str, Any]


async def tally_period(stores: Stores, since: float, until: float) -> Tally:
    """Every conversation created in [since, until], counted."""
    tally = Tally()
    ids = await stores.inbox.started_between(since, until)
    for start in range(0, len(ids), READ_BATCH):
        batch = ids[start : start + READ_BATCH]
        for conversation_id, entries in zip(
            batch, await stores.transcripts.read_many(batch), strict=True
        ):
            tally.add(conversation_id, entries)
    return tally


def summarise(
    tally: Tally,
    faq_ids: Sequence[str],
    encoder: Encoder,
    *,
    since: float,
    until: float,
    similarity: float,
    max_questions: int,
) -> Report:
    """The report's JSON (CPU-bound: clusters are embedded here)."""
    clusters, unclustered = cluster_questions(tally.questions, encoder, similarity, max_questions)
    waits = sorted(tally.waits_s)
    ratings = tally.ratings
    taken: set[str] = set(faq_ids)
    cluster_views = []
    for cluster in clusters:
        view = _cluster_view(cluster, taken)
        taken.add(view["suggested_faq"]["id"])
        cluster_views.append(view)
    return {
        "since": _iso(since),
        "until": _iso(until),
        "conversations": tally.conversations,
        "contained": tally.contained,
        "containment_rate": _share(tally.contained, tally.conversations),
        "handoffs": sum(tally.handoffs_by_reason.values()),
        "handoffs_by_reason": dict(tally.handoffs_by_reason.most_common()),
        "median_wait_s": round(statistics.median(waits), 1) if waits else None,
        "p90_wait_s": round(_percentile(waits, 0.9), 1) if waits else None,
        "waits_measured": len(waits),
        "unclaimed_handoffs": tally.unclaimed,
        "csat": {
            "ratings": len(ratings),
            "average": round(statistics.fmean(ratings), 2) if ratings else None,
            "satisfied_rate": _share(sum(1 for r in ratings if r >= 4), len(ratings)),
            "by_score": {str(score): ratings.count(score) for score in range(1, 6)},
        },
        "faq_hits": {faq: tally.faq_hits[faq] for faq in _by_count(tally.faq_hits, faq_ids)},
        "faqs_never_hit": sorted(faq for faq in faq_ids if not tally.faq_hits[faq]),
        "faq_rejections": dict(tally.faq_rejections.most_common()),
        "questions_handed_off": len(tally.questions),
        "unclustered_questions": unclustered,
        "clusters": cluster_views,
    }


def _cluster_view(cluster: Cluster, taken: set[str]) -> dict[str, Any]:
    replies = agent_replies(cluster)
    return {
        "id": cluster.id,
        "size": cluster.size,
        "examples": list(cluster.texts[:MAX_EXAMPLES]),
        "reasons": dict(Counter(q.reason for q in cluster.questions).most_common()),
        "agent_replies": replies[:MAX_REPLIES],
        "suggested_faq": suggest_faq(cluster, taken).as_dict(),
    }


def as_text(report: Report) -> str:
    """The report for a terminal."""
    csat = report["csat"]
    lines = [
        f"Insights {report['since']} .. {report['until']}",
        f"conversations        {report['conversations']}",
        f"contained by the bot {report['contained']} ({_percent(report['containment_rate'])})",
        f"handed off           {report['handoffs']}: "
        + (", ".join(f"{reason} {n}" for reason, n in report["handoffs_by_reason"].items()) or "-"),
        f"wait for a person    median {_seconds(report['median_wait_s'])}, "
        f"p90 {_seconds(report['p90_wait_s'])} ({report['waits_measured']} claimed, "
        f"{report['unclaimed_handoffs']} not claimed)",
        f"CSAT                 {csat['average'] if csat['average'] is not None else '-'} / 5 "
        f"from {csat['ratings']} ratings ({_percent(csat['satisfied_rate'])} rated 4-5)",
        "",
        "FAQ answers (hits, 'not what I meant'):",
    ]
    rejections = report["faq_rejections"]
    for faq, hits in report["faq_hits"].items():
        if hits or rejections.get(faq):
            lines.append(f"  {faq:<32} {hits:>6} {rejections.get(faq, 0):>6}")
    never = report["faqs_never_hit"]
    lines.append(f"FAQs never hit ({len(never)}): {', '.join(never) or '-'}")
    lines.append("")
    lines.append(
        f"Handed-off questions the bot could learn: {report['questions_handed_off']} "
        f"({report['unclustered_questions']} in no cluster)"
    )
    for cluster in report["clusters"]:
        lines.append(
            f"  [{cluster['id']}] {cluster['size']} x  {cluster['examples'][0]}"
            f"   -> export: python -m handoff.insights export {cluster['id']}"
        )
        lines.extend(f"      also: {example}" for example in cluster["examples"][1:3])
        if cluster["agent_replies"]:
            lines.append(f"      agent: {cluster['suggested_faq']['answer'][:100]}")
    return "\n".join(lines)


def find_cluster(report: Report, cluster_id: str) -> dict[str, Any] | None:
    return next((c for c in report["clusters"] if c["id"] == cluster_id), None)


def _by_count(counts: Any, faq_ids: Sequence[str]) -> list[str]:
    """Every FAQ id known or hit, most hit first."""
    every = dict.fromkeys([*faq_ids, *counts])
    return sorted(every, key=lambda faq: (-counts[faq], faq))


def _percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = max(int(-(-share * len(ordered) // 1)), 1)
    return ordered[rank - 1]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.1f} %"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} s"


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, timezone.utc).isoformat(timespec="seconds")
