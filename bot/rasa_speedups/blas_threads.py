"""One BLAS thread: the matrices of one message are tiny, and idle OpenBLAS threads spin.

numpy's OpenBLAS keeps a thread per core. After each small product (the intent and FAQ
classifiers on one message) those threads spin in `sched_yield` waiting for more work:
under 20 concurrent conversations that cost close to half of both cores in system time
(`vmstat 1`, `/proc/<pid>/task/*/stat`) and halved throughput.
"""

from __future__ import annotations

from threadpoolctl import threadpool_limits


def apply() -> None:
    threadpool_limits(limits=1, user_api="blas")
