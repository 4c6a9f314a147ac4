"""Who is asking: a customer's session token or an agent's login token, from a request.

agent = await agent_of(request, allow_query=False)     # None: not a signed-in agent
token = session_token(request)                          # None: no customer token
"""

from __future__ import annotations

from sanic.request import Request

from handoff.gateway import Gateway
from handoff.stores.agents import Agent


def gateway_of(request: Request) -> Gateway:
    gateway: Gateway = request.app.ctx.gateway
    return gateway


def session_token(request: Request) -> str | None:
    """`?session=` or `X-Session-Token`."""
    token = request.args.get("session") or request.headers.get("x-session-token")
    return token or None


def bearer_token(request: Request) -> str:
    """The token of an `Authorization: Bearer <token>` header; "" without one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def agent_of(request: Request, allow_query: bool) -> Agent | None:
    """The agent of an `Authorization: Bearer <token>` header (or `?token=`), if valid."""
    token = bearer_token(request)
    if not token:
        token = request.args.get("token", "") if allow_query else ""
    if not token:
        return None
    return await gateway_of(request).services.agents.authenticate_token(token.strip())
