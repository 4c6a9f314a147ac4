"""A serving Rasa worker runs numpy's BLAS on one thread and leaves its startup objects out
of full garbage collections."""

from __future__ import annotations

import asyncio
import gc

from threadpoolctl import threadpool_info, threadpool_limits

from bot import process_tuning


def test_a_tuned_worker_has_one_blas_thread_and_frozen_startup_objects() -> None:
    # Leaving the block restores this test process's BLAS threads as they were.
    with threadpool_limits(limits=None, user_api="blas"):
        asyncio.run(process_tuning.tune_worker())
        try:
            pools = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
            assert pools and all(pool["num_threads"] == 1 for pool in pools)
            assert gc.get_freeze_count() > 0
        finally:
            gc.unfreeze()
