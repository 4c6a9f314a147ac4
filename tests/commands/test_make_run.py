"""`make run` (scripts/run.sh) on a machine that has never run it: everything starts,
answers and stops again on Ctrl-C.

The script runs exactly as the README's command runs it, with only its settings moved to
free ports and a fresh RUN_DIR, so it never meets a Redis or a secret it did not make.
"""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path

from devstack.processes import ROOT, ManagedProcess, free_port, port_open


def _source_env(run_dir: Path, **overrides: str) -> dict[str, str]:
    """The settings scripts/env.sh exports, as a `set -euo pipefail` script sees them."""
    shown = subprocess.run(
        ["bash", "-c", "set -euo pipefail; . scripts/env.sh; env -0"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "RUN_DIR": str(run_dir), **overrides},
        capture_output=True,
        check=True,
    ).stdout.decode()
    return dict(line.split("=", 1) for line in shown.split("\0") if "=" in line)


def test_secrets_are_made_once_and_kept(tmp_path: Path) -> None:
    first = _source_env(tmp_path)
    assert len(first["RASA_TOKEN"]) >= 20 and len(first["GATEWAY_SECRET"]) >= 30
    assert first["RASA_TOKEN"] != first["GATEWAY_SECRET"]
    again = _source_env(tmp_path)
    assert [again[name] for name in ("RASA_TOKEN", "GATEWAY_SECRET")] == [
        first[name] for name in ("RASA_TOKEN", "GATEWAY_SECRET")
    ]
    stored = (tmp_path / "secrets.env").read_text()
    assert stored.count("RASA_TOKEN=") == 1
    assert (tmp_path / "secrets.env").stat().st_mode & 0o077 == 0  # only the owner reads it
    given = _source_env(tmp_path, RASA_TOKEN="from-the-environment", GATEWAY_PORT="9123")
    assert given["RASA_TOKEN"] == "from-the-environment" and given["GATEWAY_PORT"] == "9123"


def test_make_run_starts_everything_and_ctrl_c_stops_it(
    trained_model: Path, tmp_path: Path
) -> None:
    ports = {name: free_port() for name in ("REDIS", "RASA", "ACTION_SERVER", "GATEWAY")}
    settings = {f"{name}_PORT": str(port) for name, port in ports.items()}
    settings |= {
        "RUN_DIR": str(tmp_path / "run"),
        "ACTION_SERVER_URL": f"http://127.0.0.1:{ports['ACTION_SERVER']}/webhook",
        "ATTACHMENTS_DIR": str(tmp_path / "attachments"),
    }
    trained_at = trained_model.stat().st_mtime_ns
    run = ManagedProcess(f"make-run-{ports['GATEWAY']}", ["scripts/run.sh"], settings)
    try:
        run.wait_for_http(f"http://127.0.0.1:{ports['GATEWAY']}/health", timeout=300)
        run.wait_for_output("Ctrl-C stops everything")
        printed = run.log_path.read_text()
        assert f"gateway         http://127.0.0.1:{ports['GATEWAY']}" in printed
        assert f"agent console   http://127.0.0.1:{ports['GATEWAY']}/console/" in printed
        assert str(trained_model) in printed
        assert trained_model.stat().st_mtime_ns == trained_at  # nothing changed: no retraining
        token = _source_env(tmp_path / "run")["RASA_TOKEN"]
        status_url = f"http://127.0.0.1:{ports['RASA']}/status?token={token}"
        with urllib.request.urlopen(status_url, timeout=10) as reply:
            assert json.load(reply)["model_file"].endswith(trained_model.name)
        assert (tmp_path / "run" / "redis" / "appendonlydir").is_dir()  # Redis persists
        assert all(port_open(port) for port in ports.values())
    finally:
        try:
            status = run.interrupt()
        finally:
            run.stop()  # only if the script itself hung: its services are its own groups
    assert status == 130  # as a shell reports a Ctrl-C'd command
    assert not [name for name, port in ports.items() if port_open(port)]
    stopped = run.log_path.read_text()
    assert "stopping..." in stopped and "a service exited" not in stopped
