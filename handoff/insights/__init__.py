"""Insights for trainers: what customers asked, what the bot missed, and drafts of the
training data that would have answered them (docs/trainers.md).

    python -m handoff.insights --since 7d --format text
    python -m handoff.insights export CLUSTER_ID [--as intent]
"""
