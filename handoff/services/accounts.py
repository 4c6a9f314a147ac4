"""Account administration for agents with the admin role: list, create, change, remove.

Agents without it get `forbidden`. A new password, a disabled or a removed account revokes
every token of that agent at once (their sockets are closed by the sweep of the process
holding them), and an admin cannot lock themself out: no disabling, demoting or removing
one's own account.

    admin = AccountAdmin(stores, on_revoked=desk.enforce_revocations)
    await admin.create(ada, {"username": "bob", "password": "...", "role": "agent"})
    await admin.update(ada, "bob", {"disabled": True})
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from handoff.protocol import AgentRole, ErrorCode, InputError
from handoff.protocol.shapes import AccountRow
from handoff.stores import Stores
from handoff.stores.agents import Agent, valid_username

MIN_PASSWORD_CHARS = 8
_FIELDS = {"name", "password", "role", "limit", "disabled"}


class AccountAdmin:
    """What the admin API (handoff/web/admin_api.py) calls, with every check."""

    def __init__(self, stores: Stores, on_revoked: Callable[[], Awaitable[None]]) -> None:
        self._stores = stores
        self._on_revoked = on_revoked

    async def list(self, admin: Agent) -> list[AccountRow]:
        _require_admin(admin)
        return await self._stores.agents.accounts()

    async def create(self, admin: Agent, body: Any) -> AccountRow:
        _require_admin(admin)
        fields = _fields(body, extra=frozenset({"username"}))
        username = fields.get("username")
        if not valid_username(username):
            raise InputError(
                ErrorCode.INVALID_PAYLOAD, "username: a-z, 0-9, _ . - (at most 40 characters)."
            )
        if await self._stores.agents.get(username) is not None:
            raise InputError(ErrorCode.AGENT_EXISTS, f"Agent {username!r} already exists.")
        password = _password(fields.get("password"))
        if password is None:
            raise InputError(ErrorCode.INVALID_PAYLOAD, "password is required.")
        agent = await self._stores.agents.add(
            username,
            _name(fields.get("name")) or username,
            password,
            limit=_limit(fields.get("limit")) or 0,
            role=_role(fields.get("role")) or AgentRole.AGENT,
        )
        if fields.get("disabled") is True:
            agent = await self._update(username, disabled=True)
        return agent.account()

    async def update(self, admin: Agent, username: str, body: Any) -> AccountRow:
        """Change name, role, limit, disabled and/or password of an existing account."""
        _require_admin(admin)
        fields = _fields(body)
        role, disabled = _role(fields.get("role")), fields.get("disabled")
        if disabled is not None and not isinstance(disabled, bool):
            raise InputError(ErrorCode.INVALID_PAYLOAD, "disabled is true or false.")
        if username == admin.username and (disabled or role is AgentRole.AGENT):
            raise InputError(ErrorCode.FORBIDDEN, "Admins cannot disable or demote themselves.")
        password = _password(fields.get("password"))
        if await self._stores.agents.get(username) is None:
            raise InputError(ErrorCode.NOT_FOUND, f"No agent {username!r}.")
        if password is not None:
            await self._stores.agents.set_password(username, password)
            await self._stores.logins.unlock(username)
        agent = await self._update(
            username,
            name=_name(fields.get("name")),
            role=role,
            limit=_limit(fields.get("limit")),
            disabled=disabled,
        )
        if password is not None or disabled:
            await self._on_revoked()
        return agent.account()

    async def remove(self, admin: Agent, username: str) -> None:
        _require_admin(admin)
        if username == admin.username:
            raise InputError(ErrorCode.FORBIDDEN, "Admins cannot remove themselves.")
        if not await self._stores.agents.remove(username):
            raise InputError(ErrorCode.NOT_FOUND, f"No agent {username!r}.")
        await self._on_revoked()

    async def _update(self, username: str, **changes: Any) -> Agent:
        agent = await self._stores.agents.update(username, **changes)
        if agent is None:
            raise InputError(ErrorCode.NOT_FOUND, f"No agent {username!r}.")
        return agent


def _require_admin(agent: Agent) -> None:
    if not agent.is_admin:
        raise InputError(ErrorCode.FORBIDDEN, "Only admins manage accounts.")


def _fields(body: Any, extra: frozenset[str] = frozenset()) -> dict[str, Any]:
    if not isinstance(body, dict) or not set(body) <= _FIELDS | extra:
        allowed = ", ".join(sorted(_FIELDS | extra))
        raise InputError(ErrorCode.INVALID_PAYLOAD, f"Send a JSON object with: {allowed}.")
    return body


def _password(raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not MIN_PASSWORD_CHARS <= len(raw) <= 200:
        raise InputError(
            ErrorCode.INVALID_PAYLOAD,
            f"password: {MIN_PASSWORD_CHARS} to 200 characters.",
        )
    return raw


def _name(raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or len(raw) > 100:
        raise InputError(ErrorCode.INVALID_PAYLOAD, "name: text of at most 100 characters.")
    return raw.strip()


def _role(raw: Any) -> AgentRole | None:
    if raw is None:
        return None
    try:
        return AgentRole(raw)
    except ValueError:
        raise InputError(ErrorCode.INVALID_PAYLOAD, "role: 'agent' or 'admin'.") from None


def _limit(raw: Any) -> int | None:
    if raw is None:
        return None
    if not isinstance(raw, int) or isinstance(raw, bool) or not 0 <= raw <= 1000:
        raise InputError(ErrorCode.INVALID_PAYLOAD, "limit: a whole number from 0 to 1000.")
    return raw
