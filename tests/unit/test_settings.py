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
    assert settings.allowed_origins == ["https://a", "https://b"]
    assert Settings.from_env({}).allowed_origins == "*"
    assert Settings.from_env({}).gateway_port == 8000
