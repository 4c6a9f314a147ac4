"""What every bench reports: latency and throughput of a run, and the one JSON line of figures.

figures = Figures(messages=200, seconds=1.6, latencies_ms=[...])
print(figures.line("ours: 20 concurrent"))             # for the person at the terminal
print_json_line("rasa_rest", figures.as_dict("concurrent_"))  # last line, for a script
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from typing import Mapping


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

    def as_dict(self, prefix: str = "") -> dict[str, float]:
        """Throughput and latency under keys that start with `prefix`."""
        return {
            f"{prefix}msgs_per_s": self.rate,
            f"{prefix}p50_ms": self.p50,
            f"{prefix}p99_ms": self.p99,
        }

    @staticmethod
    def merge(runs: list[Figures]) -> Figures:
        """Several runs as one (total messages over total time, all latencies)."""
        return Figures(
            sum(run.messages for run in runs),
            sum(run.seconds for run in runs),
            [latency for run in runs for latency in run.latencies_ms],
        )


def print_json_line(bench: str, figures: Mapping[str, float]) -> None:
    """The run's figures as one JSON object on the last line of stdout, for scripts to collect.

    A figure that is not a finite number (a run that measured nothing) fails here, loudly,
    instead of printing a line no JSON parser accepts.
    """
    rounded = {key: round(value, 3) for key, value in figures.items()}
    print(json.dumps({"bench": bench, **rounded}, allow_nan=False), flush=True)
