"""Every bench/ script at smoke size, as `make test` runs it: a benchmark that no longer
starts, or that measures nothing, fails here instead of in front of whoever re-measures.

Each run is the manual command plus `--smoke`; its last stdout line must be its figures,
the JSON object a script collects (the keys docs/performance.md explains).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _latency(*prefixes: str) -> set[str]:
    return {
        f"{prefix}{figure}" for prefix in prefixes for figure in ("msgs_per_s", "p50_ms", "p99_ms")
    }


FIGURES = {
    "rasa_rest": {"conversations", "ratio", "round_ratio_min", "round_ratio_max"}
    | _latency("single_", "concurrent_", "stock_single_", "stock_concurrent_"),
    "gateway_load": {
        "customers",
        "messages",
        "gateway_overhead_ms",
        "gateway_overhead_pct",
        "gateway_cpu_ms_per_msg",
        "ratio",
        "handoffs",
        "handoff_p50_ms",
        "handoff_p99_ms",
        "idle_customers",
        "idle_connected",
        "gateway_rss_before_mb",
        "gateway_rss_after_mb",
        "idle_kb_per_customer",
        "idle_round_trip_ms",
    }
    | _latency("rest_", "gateway_", "stock_socketio_"),
    "encoder": {"texts", "batch", "ratio", "batch_ratio"}
    | {
        f"{encoder}{calls}_{clock}_ms"
        for encoder in ("onnx", "torch")
        for calls in ("", "_batch")
        for clock in ("wall", "cpu")
    },
    "soak": {
        "customers",
        "agents",
        "minutes",
        "sent",
        "delivered",
        "lost",
        "duplicated",
        "out_of_order",
        "handoffs",
        "p50_ms",
        "p99_ms",
        "agent_p50_ms",
        "agent_p99_ms",
        "gateway_rss_start_mb",
        "gateway_rss_end_mb",
        "rasa_rss_start_mb",
        "rasa_rss_end_mb",
        "reconnects",
        "gateway_rss_half_mb",
        "gateway_cpu_s",
        "queue_peak",
    },
    "insights": {"conversations", "questions", "clusters", "wall_s"},
    "faq_scale": {
        "faqs",
        "variants",
        "queries",
        "index_build_s",
        "query_p50_ms",
        "query_p99_ms",
        "top1_accuracy",
        "estimated_accuracy",
        "eval_wall_s",
    },
    "inbox_search": {"conversations", "load_s", "index_mb", "append_p50_ms", "append_p99_ms"}
    | {
        f"{kind}_{figure}"
        for kind in (
            "newest",
            "one_word",
            "two_words",
            "order_number",
            "word_and_filters",
            "filters_only",
            "date_range",
        )
        for figure in ("p50_ms", "p99_ms", "hits")
    },
}


@pytest.mark.slow
@pytest.mark.parametrize("bench", list(FIGURES))
def test_bench_runs_at_smoke_size_and_ends_with_its_figures(
    bench: str, trained_model: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", f"bench.{bench}", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=480,  # the first run also trains the stock `rasa init` baseline
    )
    assert result.returncode == 0, f"bench.{bench} --smoke failed:\n{result.stderr[-4000:]}"
    figures = json.loads(result.stdout.splitlines()[-1])
    assert figures.pop("bench") == bench
    assert set(figures) == FIGURES[bench]
    assert all(
        isinstance(value, (int, float)) and math.isfinite(value) for value in figures.values()
    )
    assert all(value > 0 for key, value in figures.items() if key.endswith(("msgs_per_s", "ratio")))
