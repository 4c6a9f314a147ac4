"""Start, wait for and stop the real processes the tests run against."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Mapping, Sequence

ROOT = Path(__file__).resolve().parents[1]
LOG_DIR = ROOT / "test-output" / "logs"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ManagedProcess:
    """A child process with its output in test-output/logs/<name>.log.

    process = ManagedProcess("redis", ["redis-server", "--port", "7000"])
    process.wait_for_port(7000)
    process.kill(); process.respawn()  # a crash, and the same command started again
    process.stop()
    """

    def __init__(
        self, name: str, command: Sequence[str], env: Mapping[str, str] | None = None
    ) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = LOG_DIR / f"{name}.log"
        self._command = list(command)
        self._env = {**os.environ, **(env or {})}
        self.respawn()

    def respawn(self) -> None:
        """Start the command (again, once the last run ended: see `kill`)."""
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - lives as long as the process
        self._process = subprocess.Popen(
            self._command,
            cwd=ROOT,
            env=self._env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_ctrl_c_as_from_a_terminal,
        )

    @property
    def running(self) -> bool:
        return self._process.poll() is None

    def wait_for_port(self, port: int, timeout: float = 30.0) -> None:
        self._wait(lambda: port_open(port), timeout, f"port {port}")

    def wait_for_http(self, url: str, timeout: float = 120.0) -> None:
        self._wait(lambda: _http_ok(url), timeout, url)

    def wait_for_output(self, text: str, timeout: float = 30.0) -> None:
        self._wait(lambda: text in self.log_path.read_text(errors="replace"), timeout, repr(text))

    def _wait(self, ready: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"{self.name} exited early; see {self.log_path}")
            if ready():
                return
            time.sleep(0.2)
        raise TimeoutError(f"{self.name}: {what} not ready after {timeout}s; see {self.log_path}")

    def interrupt(self, timeout: float = 60.0) -> int:
        """Ctrl-C as a terminal sends it, to the whole process group; the exit status."""
        self._signal_group(signal.SIGINT)
        return self._process.wait(timeout=timeout)

    def terminate(self, timeout: float) -> int:
        """SIGTERM, as a process manager sends it, to the whole group; the exit status.
        Raises subprocess.TimeoutExpired when the process is still running after `timeout`."""
        self._signal_group(signal.SIGTERM)
        return self._process.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL to the whole group, as a crash (nothing is flushed or closed cleanly)."""
        self._signal_group(signal.SIGKILL)
        self._process.wait()
        self._log.close()

    def stop(self) -> None:
        """Stop the process and everything it started (Rasa's workers are its children)."""
        self._signal_group(signal.SIGTERM)
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._signal_group(signal.SIGKILL)  # a child that outlived its parent
        self._log.close()

    def _signal_group(self, signal_number: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal_number)


def _ctrl_c_as_from_a_terminal() -> None:
    """A test runner started in the background ignores SIGINT, and so would its children."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status < 500)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False
