"""Every knob of the gateway in one frozen dataclass, read once from the environment.

settings = Settings.from_env()          # os.environ, defaults that work on a laptop
settings = Settings(gateway_port=9000)  # tests build their own
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import quote

from redis.asyncio import Redis

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Settings:
    """Gateway configuration; each field is read from the upper-case env var of its name."""

    redis_host: str = "127.0.0.1"
    redis_port: int = 6390
    redis_db: int = 0
    # `make run` generates one (in $RUN_DIR/secrets.env); empty: Redis without AUTH.
    redis_password: str = ""
    # Prefix of every Redis key and of the Socket.IO pub/sub channel: several deployments
    # (or test runs) can share one Redis without seeing each other.
    redis_prefix: str = "handoff:"
    rasa_url: str = "http://127.0.0.1:5005"
    # Only used for the health check (`/status`).
    rasa_token: str = ""
    # Sent as `X-Gateway-Secret` with every message to Rasa's REST channel, which refuses
    # messages without it when it is set (bot/channels.py): only the gateway talks to Rasa.
    rasa_channel_secret: str = ""
    # Where Rasa keeps a conversation's tracker and lock: endpoints.yml's `key_prefix` and ":"
    # (expired and erased with the conversation).
    rasa_key_prefix: str = "rasa:"
    # A customer's text starting with "/" drives Rasa's intents directly ("/faq{...}"):
    # refused unless it is the payload of a quick reply the bot just offered, or this is on.
    customer_commands: bool = False
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    # Signs customer session tokens and agent login tokens. Empty: one random secret is
    # created in Redis and shared by every gateway process that uses that Redis.
    gateway_secret: str = ""
    # Slower than this, the bot counts as unavailable and the conversation goes to a person.
    bot_timeout_s: float = 10.0
    # An agent offline longer than this has their chats put back at the head of the queue.
    agent_grace_s: float = 30.0
    # How often each process looks for agents whose grace period ran out.
    sweep_interval_s: float = 2.0
    agent_token_ttl_s: int = 12 * 3600
    # Failed logins within LOGIN_WINDOW_S that lock a username, or a client address, out
    # for LOGIN_LOCKOUT_S (HTTP 429 with Retry-After, even with the right password).
    login_failures_per_username: int = 5
    login_failures_per_address: int = 20
    login_window_s: int = 15 * 60
    login_lockout_s: int = 15 * 60
    # Closed conversations, their transcripts, Rasa trackers and attachments are deleted
    # this long after the close (0: kept forever).
    retention_s: int = 30 * 24 * 3600
    # A conversation the bot is in charge of (never handed off, or resolved) is deleted
    # this long after its last message (0: kept forever); queued and held ones are kept.
    idle_retention_s: int = 30 * 24 * 3600
    # Insights (`python -m handoff.insights`, the console's insights page): how alike (cosine
    # of the bot's sentence embeddings) handed-off questions must be to share a cluster,
    # and how many distinct questions of a period are clustered (the most asked first).
    insights_similarity: float = 0.6
    insights_max_questions: int = 5000
    # Default number of chats an agent may hold at once (0: unlimited); per-agent override.
    agent_chat_limit: int = 0
    # Optional YAML or JSON file with agent accounts, loaded into Redis at start.
    agents_file: str = ""
    # Longer customer and agent messages are refused; the widget is told it (`history`).
    max_message_chars: int = 2000
    # Per conversation; more messages than this within a minute get `rate_limited`.
    customer_messages_per_minute: int = 60
    # Per conversation and minute: typing signals, and each of contact details, "talk to a
    # person", ratings (taken only once per resolve anyway) and emailed transcripts; more
    # get `rate_limited`. Kept per process.
    customer_typing_per_minute: int = 120
    customer_requests_per_minute: int = 10
    # session_request per socket and minute (each may open a new conversation).
    sessions_per_socket_per_minute: int = 10
    # Per client address (see trusted_proxies) and process: open customer sockets, new
    # conversations per hour, uploads per hour; more get `too_many_connections` or
    # `rate_limited`. 0: no limit.
    sockets_per_address: int = 50
    conversations_per_address_per_hour: int = 200
    uploads_per_address_per_hour: int = 100
    # Comma-separated addresses of reverse proxies whose X-Forwarded-For is believed;
    # anyone else's header is ignored and the peer address counts.
    trusted_proxies: str = ""
    # Slow clients: the request line and headers must arrive within request_timeout_s,
    # body and answer within response_timeout_s (more than socket_ping_interval_s, which
    # a long-polling request may wait); idle keep-alive connections close after
    # keep_alive_timeout_s. Bodies other than uploads are limited to max_request_bytes.
    request_timeout_s: float = 10.0
    response_timeout_s: float = 60.0
    keep_alive_timeout_s: float = 15.0
    max_request_bytes: int = 64 * 1024
    # Socket.IO: a client that answers no ping within interval + timeout is disconnected.
    socket_ping_interval_s: float = 25.0
    socket_ping_timeout_s: float = 20.0
    # Estimated wait per queue position before any real waiting times were measured.
    default_wait_per_chat_s: float = 120.0
    # Comma-separated origins (`https://shop.example`) of other sites whose pages may open
    # Socket.IO connections and call the customer HTTP API ("*": any site). The gateway's
    # own origin is always allowed; behind a proxy, list its public origin here.
    cors_origins: str = ""
    widget_dir: str = str(ROOT / "widget")
    console_dir: str = str(ROOT / "widget" / "console")
    # The FAQ file(s) whose answers agents search as canned answers (comma-separated);
    # read at start and again within SWEEP_INTERVAL_S of a change.
    faq_file: str = str(ROOT / "bot" / "data" / "faq.yml")
    # Where customers' uploaded screenshots and PDFs are kept (shared by every process).
    attachments_dir: str = str(ROOT / "var" / "attachments")
    # Largest attachment accepted, in bytes.
    max_attachment_bytes: int = 5 * 1024 * 1024
    # Email follow-up (docs/email.md). Without SMTP_HOST and MAIL_FROM no mail is sent and
    # the widget promises no email answer.
    smtp_host: str = ""
    smtp_port: int = 25
    # "" (plain), "starttls" (upgrade after connecting) or "tls" (TLS from the first byte).
    smtp_tls: str = ""
    smtp_username: str = ""
    smtp_password: str = ""
    mail_from: str = ""
    # Replies go to `reply+<signed token>@MAIL_REPLY_DOMAIN`, handed to the receiver below.
    mail_reply_domain: str = ""
    # The gateway's SMTP receiver for those replies (0: not run by the gateway).
    mail_receiver_host: str = "127.0.0.1"
    mail_receiver_port: int = 0
    # Largest reply accepted by the receiver, in bytes (larger ones are refused with 552).
    mail_max_bytes: int = 256 * 1024
    # An agent's messages are emailed once the customer has had no widget open this long.
    mail_after_s: float = 120.0
    # The site the resume link points to (default: this gateway's own demo page).
    mail_public_url: str = ""
    # How long a resume link or reply address stays valid.
    mail_link_ttl_s: int = 30 * 24 * 3600
    # First wait before retrying a failed send; it doubles up to 5 minutes.
    mail_retry_s: float = 5.0
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Defaults, overridden by env vars, overridden by keyword arguments."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for field in fields(cls):
            raw = env.get(field.name.upper())
            if raw is None or raw == "":
                continue
            kind: type = type(field.default)
            values[field.name] = _flag(raw) if kind is bool else kind(raw)
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def redis_url(self) -> str:
        auth = f":{quote(self.redis_password, safe='')}@" if self.redis_password else ""
        return f"redis://{auth}{self.redis_host}:{self.redis_port}/{self.redis_db}"

    def redis_client(self, **options: Any) -> Redis:
        """A client of the configured Redis that decodes replies; `options` are redis-py's
        (timeouts)."""
        return Redis(
            host=self.redis_host,
            port=self.redis_port,
            db=self.redis_db,
            password=self.redis_password or None,
            decode_responses=True,
            **options,
        )

    @property
    def socketio_channel(self) -> str:
        return f"{self.redis_prefix}socketio"

    @property
    def faq_files(self) -> list[str]:
        return [path.strip() for path in self.faq_file.split(",") if path.strip()]

    @property
    def mail_enabled(self) -> bool:
        """Whether the gateway can email customers at all."""
        return bool(self.smtp_host and self.mail_from)

    @property
    def public_url(self) -> str:
        return (self.mail_public_url or f"http://{self.gateway_host}:{self.gateway_port}").rstrip(
            "/"
        )

    @property
    def trusted_proxy_addresses(self) -> frozenset[str]:
        return frozenset(part.strip() for part in self.trusted_proxies.split(",") if part.strip())

    @property
    def allowed_origins(self) -> str | list[str]:
        """Any site (`*`), or the gateway's own origin (`localhost` beside a loopback
        address, as browsers may spell it either way) plus those of CORS_ORIGINS."""
        origins = [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]
        if "*" in origins:
            return "*"
        origins.append(f"http://{self.gateway_host}:{self.gateway_port}")
        loopback = ("127.0.0.1", "localhost")
        if self.gateway_host in loopback:
            origins += [f"http://{host}:{self.gateway_port}" for host in loopback]
        return sorted(set(origins))


def _flag(raw: str) -> bool:
    """`on`, `true`, `yes` or `1` (any case); anything else is off."""
    return raw.strip().lower() in ("1", "true", "yes", "on")
