"""`make run` as the tests start it: exactly as the README's command runs, with only its
settings moved to free ports and a fresh RUN_DIR, so it never meets a Redis or a secret it
did not make. One Rasa worker keeps each start short unless a test asks for more.

    with make_run(tmp_path) as run:        # returns once the gateway serves
        killed = run.kill_service("rasa")  # SIGKILL, as a crash
        run.wait_for_restart("rasa", killed)
        run.process.interrupt()            # Ctrl-C
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from devstack.processes import ROOT, ManagedProcess, free_port, port_open
from tests.commands.process_watch import ProcessWatch

STOPPED_WITHIN_S = 20.0
SERVICES = {"REDIS": "redis", "ACTION_SERVER": "actions", "RASA": "rasa", "GATEWAY": "gateway"}


def source_env(run_dir: Path, **overrides: str) -> dict[str, str]:
    """The settings scripts/env.sh exports, as a `set -euo pipefail` script sees them."""
    shown = subprocess.run(
        ["bash", "-c", "set -euo pipefail; . scripts/env.sh; env -0"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "RUN_DIR": str(run_dir), **overrides},
        capture_output=True,
        check=True,
    ).stdout.decode()
    return dict(line.split("=", 1) for line in shown.split("\0") if "=" in line)


def settings_for(tmp_path: Path, **overrides: str) -> tuple[dict[str, int], dict[str, str]]:
    """Every service on a free port (unless given), a fresh RUN_DIR, one Rasa worker."""
    ports = {name: int(overrides.get(f"{name}_PORT") or free_port()) for name in SERVICES}
    settings = {f"{name}_PORT": str(port) for name, port in ports.items()}
    settings |= {
        "RUN_DIR": str(tmp_path / "run"),
        "ACTION_SERVER_URL": f"http://127.0.0.1:{ports['ACTION_SERVER']}/webhook",
        "ATTACHMENTS_DIR": str(tmp_path / "attachments"),
        "RASA_WORKERS": "1",
    }
    return ports, settings | overrides


@dataclass
class MakeRun:
    """`make run` while it serves, in a session of its own as from a terminal."""

    process: ManagedProcess
    make: int  # its pid, also its process group's
    script: int  # scripts/run.sh, make's child
    ports: dict[str, int]
    run_dir: Path
    watch: ProcessWatch

    @property
    def output(self) -> str:
        return self.process.log_path.read_text(errors="replace")

    @property
    def supervisor_log(self) -> str:
        return (self.run_dir / "log" / "supervisord.log").read_text()

    def service_pid(self, name: str) -> int:
        """The pid supervisord runs NAME with, as `supervisorctl pid NAME` prints it."""
        control = [
            str(ROOT / ".venv/bin/supervisorctl"),
            "-c",
            str(self.run_dir / "supervisord.conf"),
        ]
        told = subprocess.run([*control, "pid", name], capture_output=True, text=True, check=True)
        return int(told.stdout)

    def kill_service(self, name: str) -> int:
        """SIGKILL to NAME, as a crash or the OOM killer ends it; the pid it had."""
        killed = self.service_pid(name)
        os.kill(killed, signal.SIGKILL)
        return killed

    def wait_for_restart(self, name: str, killed: int) -> None:
        """Until supervisord runs NAME again under a new pid (its port may still be closed)."""
        deadline = time.monotonic() + 30
        while self.service_pid(name) in (0, killed):
            assert time.monotonic() < deadline, f"{name} was not restarted within 30 s"
            time.sleep(0.2)

    def open_ports(self) -> list[str]:
        return [name for name, port in self.ports.items() if port_open(port)]

    def wait_until_stopped(self, since: float) -> None:
        """Within 20 s of `since`, make returns; by then nothing of the stack may run, as
        make returning is what tells a user (or a process manager) it may start it again."""
        while self.process.running and time.monotonic() < since + STOPPED_WITHIN_S:
            time.sleep(0.1)
        assert not self.process.running, f"make still runs {STOPPED_WITHIN_S} s later"
        assert sorted(f"{p.pid}: {p.command}" for p in self.watch.survivors()) == []
        assert self.open_ports() == []
        assert "stopping..." in self.output


@contextlib.contextmanager
def make_run(tmp_path: Path, **settings: str) -> Iterator[MakeRun]:
    """`make run` on free ports in a fresh RUN_DIR, once it serves."""
    ports, settings = settings_for(tmp_path, **settings)
    with ProcessWatch() as watch:
        process = ManagedProcess(f"make-run-{ports['GATEWAY']}", ["make", "run"], settings)
        try:
            process.wait_for_http(f"http://127.0.0.1:{ports['GATEWAY']}/health", timeout=300)
            process.wait_for_output("Ctrl-C stops everything")
            started = watch.started()
            [make] = [p.pid for p in started if p.parent == os.getpid()]
            [script] = [p.pid for p in started if p.parent == make]
            yield MakeRun(process, make, script, ports, Path(settings["RUN_DIR"]), watch)
        finally:
            process.stop()  # only if it still runs: a failed test
