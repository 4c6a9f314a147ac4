"""Agent accounts under attack: password guessing is throttled per username and per
address, tokens are revoked on logout, on a new password and on a disabled account, and
only admins manage accounts."""

from __future__ import annotations

from pathlib import Path

import pytest

from handoff.auth.tokens import SessionTokens
from handoff.protocol import AgentRole, ErrorCode, InputError
from handoff.services import Services
from handoff.stores.agents import Agent
from tests.unit.conftest import RecordingNotifier

ADDRESS = "10.0.0.7"


async def _refused(code: ErrorCode, call: object) -> InputError:
    with pytest.raises(InputError) as refused:
        await call  # type: ignore[misc]
    assert refused.value.code is code, refused.value.message
    return refused.value


async def test_guessing_a_password_locks_the_username_then_the_address(
    services: Services,
) -> None:
    desk = services.agents
    for _ in range(5):  # LOGIN_FAILURES_PER_USERNAME
        await _refused(ErrorCode.INVALID_CREDENTIALS, desk.login("ada", "guess", ADDRESS))
    locked = await _refused(ErrorCode.RATE_LIMITED, desk.login("ada", "pw", ADDRESS))
    assert locked.status == 429 and 0 < (locked.retry_after_s or 0) <= 900
    # ...from every address, even with the right password; bob is not affected.
    await _refused(ErrorCode.RATE_LIMITED, desk.login("ada", "pw", "10.0.0.8"))
    assert (await desk.login("bob", "pw", ADDRESS))["username"] == "bob"
    # An address that keeps guessing (any usernames, 20 failures) is locked out as a whole.
    for attempt in range(15):
        await _refused(ErrorCode.INVALID_CREDENTIALS, desk.login(f"u{attempt}", "x", ADDRESS))
    await _refused(ErrorCode.RATE_LIMITED, desk.login("bob", "pw", ADDRESS))
    assert (await desk.login("bob", "pw", "10.0.0.9"))["username"] == "bob"
    # An admin's new password lifts the username's lockout.
    admin = await _admin(services)
    await desk.accounts.update(admin, "ada", {"password": "a-new-password"})
    assert (await desk.login("ada", "a-new-password", "10.0.0.9"))["username"] == "ada"


async def test_a_right_password_resets_the_count(services: Services) -> None:
    desk = services.agents
    for _ in range(3):
        for _ in range(4):
            await _refused(ErrorCode.INVALID_CREDENTIALS, desk.login("ada", "guess", ADDRESS))
        await desk.login("ada", "pw", ADDRESS)


async def test_logout_revokes_that_token_only(
    services: Services, notifier: RecordingNotifier
) -> None:
    desk = services.agents
    first = (await desk.login("ada", "pw"))["token"]
    second = (await desk.login("ada", "pw"))["token"]
    await desk.connected("ada", "sid-1", first)
    await desk.connected("ada", "sid-2", second)
    await desk.logout(first)
    assert await desk.authenticate_token(first) is None
    assert await desk.authenticate_token(second) is not None
    assert notifier.to("disconnect", "disconnect") == [None]  # sid-1's socket only
    assert [who for kind, who, _, _ in notifier.sent if kind == "disconnect"] == ["sid-1"]
    await _refused(ErrorCode.UNAUTHORIZED, desk.logout(first))


async def test_a_new_password_or_a_disabled_account_revokes_every_token(
    services: Services, notifier: RecordingNotifier
) -> None:
    desk = services.agents
    admin = await _admin(services)
    tokens = [(await desk.login("ada", "pw"))["token"] for _ in range(2)]
    await desk.connected("ada", "sid-ada", tokens[0])
    await desk.accounts.update(admin, "ada", {"password": "another-password"})
    assert [await desk.authenticate_token(token) for token in tokens] == [None, None]
    assert [who for kind, who, _, _ in notifier.sent if kind == "disconnect"] == ["sid-ada"]

    bob = (await desk.login("bob", "pw"))["token"]
    await desk.accounts.update(admin, "bob", {"disabled": True})
    assert await desk.authenticate_token(bob) is None
    await _refused(ErrorCode.INVALID_CREDENTIALS, desk.login("bob", "pw"))
    await desk.accounts.update(admin, "bob", {"disabled": False})
    assert await desk.login("bob", "pw")


async def test_the_cli_changes_reach_sockets_through_the_sweep(
    services: Services, notifier: RecordingNotifier
) -> None:
    """Another process (the CLI) bumps the generation: the next sweep closes the socket."""
    token = (await services.agents.login("ada", "pw"))["token"]
    await services.agents.connected("ada", "sid-ada", token)
    await services.agents.sweep()
    assert not notifier.to("disconnect", "disconnect")
    await services.stores.agents.set_password("ada", "from-the-cli")
    await services.agents.sweep()
    assert [who for kind, who, _, _ in notifier.sent if kind == "disconnect"] == ["sid-ada"]


async def test_only_admins_manage_accounts(services: Services) -> None:
    desk, agents = services.agents, services.stores.agents
    ada = await agents.get("ada")
    assert ada is not None and ada.role is AgentRole.AGENT
    await _refused(ErrorCode.FORBIDDEN, desk.accounts.list(ada))
    await _refused(ErrorCode.FORBIDDEN, desk.accounts.update(ada, "ada", {"role": "admin"}))
    await _refused(ErrorCode.FORBIDDEN, desk.accounts.remove(ada, "bob"))
    admin = await _admin(services)
    created = await desk.accounts.create(
        admin, {"username": "cy", "password": "long-enough", "name": "Cy", "role": "admin"}
    )
    assert created == {
        "username": "cy",
        "name": "Cy",
        "role": AgentRole.ADMIN,
        "disabled": False,
        "limit": 0,
    }
    assert "password" not in str(await desk.accounts.list(admin))
    await _refused(
        ErrorCode.AGENT_EXISTS, desk.accounts.create(admin, {"username": "cy", "password": "x" * 8})
    )
    bad_bodies: list[object] = [
        {"password": "short"},
        {"role": "root"},
        {"limit": -1},
        {"is_admin": True},
        [],
    ]
    for bad in bad_bodies:
        await _refused(ErrorCode.INVALID_PAYLOAD, desk.accounts.update(admin, "ada", bad))
    await _refused(ErrorCode.FORBIDDEN, desk.accounts.update(admin, "root", {"disabled": True}))
    await _refused(ErrorCode.FORBIDDEN, desk.accounts.remove(admin, "root"))
    await _refused(ErrorCode.NOT_FOUND, desk.accounts.update(admin, "nobody", {"limit": 2}))
    await desk.accounts.remove(admin, "cy")
    assert await agents.get("cy") is None


async def test_reloading_the_same_accounts_file_signs_no_one_out(
    services: Services, tmp_path: Path
) -> None:
    accounts = tmp_path / "agents.yml"
    accounts.write_text("agents:\n  - {username: dee, password: pw-of-dee, role: admin}\n")
    agents = services.stores.agents
    await agents.load_file(str(accounts))
    dee = await agents.get("dee")
    assert dee is not None and dee.is_admin
    token = (await services.agents.login("dee", "pw-of-dee"))["token"]
    await agents.load_file(str(accounts))  # a second gateway process starts
    assert await services.agents.authenticate_token(token) is not None
    accounts.write_text("agents:\n  - {username: dee, password: changed}\n")
    await agents.load_file(str(accounts))
    assert await services.agents.authenticate_token(token) is None


def test_non_ascii_session_tokens_are_just_unknown() -> None:
    tokens = SessionTokens("secret")
    _, token = tokens.issue()
    assert tokens.verify(token[:-1] + "é") is None and tokens.verify("é.é") is None


async def _admin(services: Services) -> Agent:
    return await services.stores.agents.add("root", "Root", "root-pw", role=AgentRole.ADMIN)
