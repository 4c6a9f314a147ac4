"""Gateway processes for the tests: `python -m handoff` against the test Redis.

gateway = GatewayProcess(redis_server, prefix="t1:", rasa_url=rasa.url)
...
gateway.restart()     # same port, same Redis state
await gateway.settled(customer)   # every event sent to it so far has arrived
gateway.stop()
"""

from __future__ import annotations

import sys
import uuid

import socketio

from devstack.clients import RecordingClient
from devstack.processes import ManagedProcess, free_port
from devstack.servers import RedisServer

TEST_SECRET = "gateway-test-secret"


class GatewayProcess:
    def __init__(
        self,
        redis: RedisServer,
        prefix: str,
        rasa_url: str,
        port: int | None = None,
        **settings: object,
    ) -> None:
        self.port = port or free_port()
        self._redis_url = redis.url
        self.env = {
            "REDIS_HOST": redis.host,
            "REDIS_PORT": str(redis.port),
            "REDIS_DB": "0",
            "REDIS_PREFIX": prefix,
            "RASA_URL": rasa_url,
            "GATEWAY_SECRET": TEST_SECRET,
            "GATEWAY_HOST": "127.0.0.1",
            "BOT_TIMEOUT_S": "5",
            "AGENT_GRACE_S": "2",
            "SWEEP_INTERVAL_S": "0.25",
            "LOG_LEVEL": "INFO",
            **{key.upper(): str(value) for key, value in settings.items()},
        }
        self._process: ManagedProcess | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def settled(self, client: RecordingClient) -> None:
        """Every event the gateway sent `client`'s room before now has reached it, so a
        test can tell that something was NOT sent without sleeping: a marker published by
        an external emitter on the gateways' own Redis channel arrives after them."""
        manager = socketio.AsyncRedisManager(
            self._redis_url, channel=f"{self.env['REDIS_PREFIX']}socketio", write_only=True
        )
        marker = uuid.uuid4().hex
        await manager.emit("settled", marker, room=client.room, namespace=client.namespace)
        await client.wait_for("settled", lambda data: data == marker)
        await manager.redis.close()

    def start(self) -> None:
        self._process = ManagedProcess(
            f"gateway-{self.port}",
            [sys.executable, "-m", "handoff", "--port", str(self.port)],
            self.env,
        )
        self._process.wait_for_port(self.port, timeout=60)

    def stop(self) -> None:
        if self._process:
            self._process.stop()
            self._process = None

    def terminate(self, timeout: float) -> str:
        """SIGTERM; the process's log once it exited (TimeoutExpired if it did not)."""
        assert self._process is not None
        self._process.terminate(timeout)
        log = self._process.log_path.read_text(errors="replace")
        self.stop()
        return log

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def pid(self) -> int:
        assert self._process is not None
        return int(self._process._process.pid)  # for memory figures in bench/

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.running
