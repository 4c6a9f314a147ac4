"""Customers' session tokens and agents' passwords and login tokens."""

from __future__ import annotations

from handoff.auth.passwords import check_password, hash_password
from handoff.auth.tokens import AgentTokens, SessionTokens


def test_session_tokens_cannot_be_forged() -> None:
    tokens = SessionTokens("secret")
    conversation_id, token = tokens.issue()
    assert tokens.verify(token) == conversation_id
    assert SessionTokens("other secret").verify(token) is None
    flipped = token[:-1] + ("1" if token[-1] == "0" else "0")
    for forged in (
        conversation_id,
        flipped,
        f"{conversation_id}.",
        "",
        None,
        42,
        "." + token.split(".")[1],
        token + "." + token,
    ):
        assert tokens.verify(forged) is None
    assert len({tokens.issue()[0] for _ in range(1000)}) == 1000


def test_passwords_and_agent_tokens() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert check_password("correct horse", stored)
    assert not check_password("wrong", stored) and not check_password("x", "garbage")
    assert hash_password("same") != hash_password("same")  # salted
    tokens = AgentTokens("secret", ttl_s=60)
    token = tokens.issue("ada", generation=3)
    claims = tokens.verify(token)
    assert claims is not None and (claims.username, claims.generation) == ("ada", 3)
    assert tokens.verify(tokens.issue("ada", 3)).token_id != claims.token_id  # type: ignore[union-attr]
    assert AgentTokens("other", 60).verify(token) is None
    assert AgentTokens("secret", ttl_s=-1).verify(AgentTokens("secret", -1).issue("ada")) is None
    assert tokens.verify("bad.token") is None and tokens.verify(None) is None
    body, signature = token.split(".")
    assert tokens.verify(f"{body}.{signature[:-1]}é") is None  # non-ASCII: refused, no error
    assert tokens.verify(f"é{body}.{signature}") is None
