"""Latency and throughput of one benchmark run, printed the same way by every bench."""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass
class Figures:
    """`messages` answered in `seconds`, with each message's latency in milliseconds."""

    messages: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.messages / self.seconds

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p99(self) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]

    def line(self, label: str) -> str:
        return (
            f"{label:<34} {self.rate:8.1f} msgs/s   "
            f"p50 {self.p50:7.1f} ms   p99 {self.p99:7.1f} ms   (n={self.messages})"
        )

    @staticmethod
    def merge(runs: list[Figures]) -> Figures:
        """Several runs as one (total messages over total time, all latencies)."""
        return Figures(
            sum(run.messages for run in runs),
            sum(run.seconds for run in runs),
            [latency for run in runs for latency in run.latencies_ms],
        )
