"""A transfer whose announcement is lost on its way still reaches the agent's console
within its resync interval (`node tests/browser/console_resync.mjs`; screenshots in
test-output/browser/resync/)."""

from __future__ import annotations

import pytest

from devstack.gateways import GatewayProcess
from tests.browser.conftest import AGENT, COLLEAGUE, run_scenario


@pytest.mark.slow
def test_lost_transfer_announcement_is_made_good(gateway: GatewayProcess) -> None:
    run_scenario(
        "console_resync.mjs",
        "resync",
        gateway.url,
        AGENT[0],
        AGENT[2],
        COLLEAGUE[0],
        COLLEAGUE[2],
        timeout=180,
    )
