"""`make run` (scripts/run.sh) on a machine that has never run it: everything starts and
answers, and `make train` meanwhile switches Rasa to the model it names; a service killed
with SIGKILL is restarted by supervisord and serves again; however it is stopped (Ctrl-C,
SIGTERM to make, to make's process group or to the script, twice), make returns within 20 s
with nothing it started still running; and a taken port or a service that cannot start is
told in one sentence, with nothing left running.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Callable

import pytest

from bot.served_model import POINTER_NAME, publish
from devstack.processes import ROOT, port_open
from tests.commands.process_watch import ProcessWatch
from tests.commands.stack import (
    SERVICES,
    STOPPED_WITHIN_S,
    MakeRun,
    make_run,
    settings_for,
    source_env,
)


def _start_to_fail(tmp_path: Path, **settings: str) -> tuple[str, dict[str, int], Path]:
    """scripts/run.sh's error output when it cannot start; nothing may be left running."""
    ports, settings = settings_for(tmp_path, **settings)
    with ProcessWatch() as watch:
        failed = subprocess.run(
            ["scripts/run.sh"],
            cwd=ROOT,
            env={**os.environ, **settings},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert (failed.returncode, failed.stdout) == (1, "")
        assert watch.started() == set()
    return failed.stderr, ports, Path(settings["RUN_DIR"])


def test_secrets_are_made_once_and_kept(tmp_path: Path) -> None:
    first = source_env(tmp_path)
    assert len(first["RASA_TOKEN"]) >= 20 and len(first["GATEWAY_SECRET"]) >= 30
    assert first["RASA_TOKEN"] != first["GATEWAY_SECRET"]
    again = source_env(tmp_path)
    assert [again[name] for name in ("RASA_TOKEN", "GATEWAY_SECRET")] == [
        first[name] for name in ("RASA_TOKEN", "GATEWAY_SECRET")
    ]
    stored = (tmp_path / "secrets.env").read_text()
    assert stored.count("RASA_TOKEN=") == 1
    assert (tmp_path / "secrets.env").stat().st_mode & 0o077 == 0  # only the owner reads it
    given = source_env(tmp_path, RASA_TOKEN="from-the-environment", GATEWAY_PORT="9123")
    assert given["RASA_TOKEN"] == "from-the-environment" and given["GATEWAY_PORT"] == "9123"


def test_make_run_starts_everything_restarts_a_killed_service_and_ctrl_c_stops_it(
    trained_model: Path, tmp_path: Path
) -> None:
    trained_at = trained_model.stat().st_mtime_ns
    with make_run(tmp_path) as run:
        printed = run.output
        gateway = f"http://127.0.0.1:{run.ports['GATEWAY']}"
        assert f"gateway         {gateway}" in printed
        assert f"agent console   {gateway}/console/" in printed
        assert str(trained_model) in printed
        assert trained_model.stat().st_mtime_ns == trained_at  # nothing changed: no retraining
        token = source_env(run.run_dir)["RASA_TOKEN"]
        status_url = f"http://127.0.0.1:{run.ports['RASA']}/status?token={token}"
        with urllib.request.urlopen(status_url, timeout=10) as reply:
            assert json.load(reply)["model_file"].endswith(trained_model.name)
        assert (run.run_dir / "redis" / "appendonlydir").is_dir()  # Redis persists

        # Another model named (as `make train` names a new one): Rasa serves it, and
        # `make train` itself names the current one again.
        other = shutil.copy(trained_model, tmp_path / "model-other.tar.gz")
        publish(Path(other), run.run_dir / POINTER_NAME)
        _wait_for_log(run.run_dir / "log" / "rasa.log", "now serves model-other.tar.gz")
        make_train = subprocess.run(
            ["make", "-s", "train"], cwd=ROOT, env={**os.environ, "RUN_DIR": str(run.run_dir)}
        )
        assert make_train.returncode == 0
        _wait_for_log(run.run_dir / "log" / "rasa.log", f"now serves {trained_model.name}")
        assert run.open_ports() == list(SERVICES)

        run.wait_for_restart("gateway", run.kill_service("gateway"))
        health = f"{gateway}/health"
        run.process.wait_for_http(health, timeout=60)  # make run still runs, the gateway serves
        assert "exited: gateway (terminated by SIGKILL; not expected)" in run.supervisor_log
        assert run.open_ports() == list(SERVICES)

        pressed_at = time.monotonic()
        status = run.process.interrupt(timeout=STOPPED_WITHIN_S)  # Ctrl-C, to make's group
        run.wait_until_stopped(pressed_at)
    assert status == -signal.SIGINT  # make ends as a shell's Ctrl-C'd command does
    assert "make run:" not in run.output  # no service was reported as failed


def _wait_for_log(log: Path, text: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"{text!r} not in {log} after {timeout} s"
        time.sleep(0.1)


def _terminate_make(run: MakeRun) -> None:
    os.kill(run.make, signal.SIGTERM)


def _terminate_make_group(run: MakeRun) -> None:
    """What `kill -- -PID`, a process manager or `timeout` sends: make passes it on to the
    script, which so gets a second TERM while it stops the services."""
    os.killpg(run.make, signal.SIGTERM)


def _terminate_script_twice(run: MakeRun) -> None:
    os.kill(run.script, signal.SIGTERM)
    run.process.wait_for_output("stopping...")
    os.kill(run.script, signal.SIGTERM)


@pytest.mark.parametrize(
    ("terminate", "rasa_workers"),
    [(_terminate_make, "1"), (_terminate_make_group, "2"), (_terminate_script_twice, "1")],
    ids=["make", "make's process group", "the script, twice"],
)
def test_sigterm_stops_every_service(
    trained_model: Path,
    tmp_path: Path,
    terminate: Callable[[MakeRun], None],
    rasa_workers: str,
) -> None:
    with make_run(tmp_path, RASA_WORKERS=rasa_workers) as run:
        sent_at = time.monotonic()
        terminate(run)
        run.wait_until_stopped(sent_at)


@pytest.mark.parametrize("taken", ["REDIS", "GATEWAY"])
def test_a_taken_port_is_told_in_one_sentence_and_nothing_starts(
    tmp_path: Path, taken: str
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as holder:
        port = holder.getsockname()[1]
        told, ports, run_dir = _start_to_fail(tmp_path, **{f"{taken}_PORT": str(port)})
        assert [name for name, number in ports.items() if port_open(number)] == [taken]
    name = SERVICES[taken]
    [sentence] = told.splitlines()
    assert sentence.startswith(f"make run: cannot start {name}: port {port} is already in use")
    assert f"set {taken}_PORT to a free port" in sentence
    assert f"{run_dir}/log/{name}.log" in sentence


def test_a_service_that_exits_during_start_up_is_told_in_one_sentence(
    trained_model: Path, tmp_path: Path
) -> None:
    manifest = tmp_path / "run" / "redis" / "appendonlydir" / "appendonly.aof.manifest"
    manifest.parent.mkdir(parents=True)
    manifest.write_text("not a manifest\n")  # Redis refuses to start on a damaged file
    told, ports, run_dir = _start_to_fail(tmp_path)
    log = run_dir / "log" / "redis.log"
    assert told == f"make run: redis exited during start-up (port {ports['REDIS']}); see {log}.\n"
    assert "manifest" in log.read_text()
