"""Settings read from the environment, with working defaults."""

from __future__ import annotations

from handoff.settings import Settings


def test_settings_from_env() -> None:
    settings = Settings.from_env(
        {
            "GATEWAY_PORT": "9001",
            "BOT_TIMEOUT_S": "2.5",
            "REDIS_PREFIX": "x:",
            "CORS_ORIGINS": "https://a, https://b",
        }
    )
    assert (settings.gateway_port, settings.bot_timeout_s, settings.redis_prefix) == (
        9001,
        2.5,
        "x:",
    )
    own = ["http://127.0.0.1:9001", "http://localhost:9001"]
    assert settings.allowed_origins == sorted(["https://a", "https://b", *own])
    assert Settings.from_env({}).allowed_origins == [
        "http://127.0.0.1:8000",
        "http://localhost:8000",
    ]  # the gateway's own origin only, unless told otherwise
    assert Settings.from_env({"CORS_ORIGINS": "*"}).allowed_origins == "*"
    assert Settings.from_env({"REDIS_PASSWORD": "p@ss/word"}).redis_url == (
        "redis://:p%40ss%2Fword@127.0.0.1:6390/0"
    )
    assert Settings.from_env({}).gateway_port == 8000
