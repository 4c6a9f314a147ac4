"""The real back-end stack for tests: a private Redis, the action server and Rasa."""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from devstack.processes import ROOT, ManagedProcess, free_port

# Longer than the keep-alive of Rasa's HTTP client (15 s), so the action server never
# closes a connection Rasa is about to reuse ("Cannot write to closing transport").
ACTION_SERVER_KEEP_ALIVE_S = "75"


@dataclass
class RedisServer:
    """A redis-server of our own on a free loopback port (never anyone else's).

    redis = RedisServer(append_only=True)  # every write in its append-only file
    redis.restart()                         # killed, back on the same port with its data
    redis.kill(); ...; redis.start()        # the same, with something done while it is down
    """

    port: int = field(default_factory=free_port)
    host: str = "127.0.0.1"
    # As production runs it (docs/scaling.md); off, tests start faster and write nothing.
    append_only: bool = False

    def __post_init__(self) -> None:
        if shutil.which("redis-server") is None:
            raise RuntimeError("redis-server is not installed; run scripts/setup.sh")
        self._dir = tempfile.mkdtemp(prefix="test-redis-")
        self._process = ManagedProcess(
            f"redis-{self.port}",
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                self.host,
                "--dir",
                self._dir,
                "--save",
                "",
                "--appendonly",
                "yes" if self.append_only else "no",
            ],
        )
        self._process.wait_for_port(self.port)

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def kill(self) -> None:
        """SIGKILL, as a crash: nothing more is written."""
        self._process.kill()

    def start(self) -> None:
        """The same port and data directory again, after `kill`: with `append_only`, every
        write Redis acknowledged is back."""
        self._process.respawn()
        self._process.wait_for_port(self.port)

    def restart(self) -> None:
        self.kill()
        self.start()

    def stop(self) -> None:
        self._process.stop()
        shutil.rmtree(self._dir, ignore_errors=True)


def rasa_server_command(
    model: Path, port: int, endpoints: Path, credentials: Path, token: str | None = None
) -> list[str]:
    """`rasa run` on loopback; with a token, the HTTP API is enabled behind it."""
    api = ["--enable-api", f"--auth-token={token}"] if token else []
    return [
        sys.executable, "-m", "rasa", "run", *api, "-i", "127.0.0.1", "-p", str(port),
        "-m", str(model), "--endpoints", str(endpoints), "--credentials", str(credentials),
    ]  # fmt: skip


@dataclass
class RasaStack:
    """The action server and a Rasa server (REST channel, token-protected API)."""

    model: Path
    redis: RedisServer
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    rasa_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    # As `make run` starts Rasa (scripts/run.sh): a worker per core, plus one.
    workers: int = field(default_factory=lambda: (os.cpu_count() or 1) + 1)
    # As `make run`'s $RUN_DIR: every worker follows the model named in its model.path
    # (bot/served_model.py). None: each serves `model` to the end, whatever RUN_DIR says.
    run_dir: Path | None = None

    def __post_init__(self) -> None:
        env = {
            "REDIS_HOST": self.redis.host,
            "REDIS_PORT": str(self.redis.port),
            "REDIS_DB": "0",
            "REDIS_PASSWORD": "",  # endpoints.yml names it; test servers need none
            "ACTION_SERVER_URL": f"http://127.0.0.1:{self.action_port}/webhook",
            "SANIC_HOST": "127.0.0.1",
            "SANIC_KEEP_ALIVE_TIMEOUT": ACTION_SERVER_KEEP_ALIVE_S,
            "RASA_TELEMETRY_ENABLED": "false",
            "RUN_DIR": str(self.run_dir or ""),
            "MODEL_RELOAD_INTERVAL_S": "0.5",
        }
        self._actions = ManagedProcess(
            f"actions-{self.action_port}",
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "-p", str(self.action_port)],
            env,
        )
        self._rasa = ManagedProcess(
            f"rasa-{self.rasa_port}",
            rasa_server_command(
                self.model,
                self.rasa_port,
                ROOT / "endpoints.yml",
                ROOT / "credentials.yml",
                self.token,
            ),
            {**env, "SANIC_WORKERS": str(self.workers)},
        )
        self._actions.wait_for_http(f"http://127.0.0.1:{self.action_port}/health")
        self._rasa.wait_for_http(f"{self.rasa_url}/status?token={self.token}", timeout=180)

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def rasa_log(self) -> Path:
        return self._rasa.log_path

    @property
    def webhook_url(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"

    def stop_rasa(self) -> None:
        """Kill the Rasa server only (the action server keeps running)."""
        self._rasa.stop()

    def kill_rasa(self) -> None:
        """SIGKILL to Rasa and every worker, as a crash (the action server keeps running)."""
        self._rasa.kill()

    def start_rasa(self) -> None:
        """Rasa again, on the same port, once it answers (after `kill_rasa`)."""
        self._rasa.respawn()
        self._rasa.wait_for_http(f"{self.rasa_url}/status?token={self.token}", timeout=180)

    def stop(self) -> None:
        self._rasa.stop()
        self._actions.stop()
