"""deploy/, as docs/deploy.md installs it, still works with this checkout: systemd accepts
every unit (systemd-analyze verify: known keys, executables that exist), supervisord reads
deploy/supervisord.conf, every `python -m` they name is a module here, the gateways they
start are the ones docs/scaling.md's nginx block balances, Redis runs with
deploy/redis.conf (password required, append-only file on), and the documented train and
reload command names the model where the deployment's Rasa looks for it.

Installed, /opt/northwind is this checkout and /etc/northwind, /var/log/northwind,
/var/lib/northwind and /run/northwind are scratch directories.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import redis
from supervisor.options import ServerOptions

from bot.serve import published_model_args
from devstack.processes import ROOT, ManagedProcess, free_port

DEPLOY = ROOT / "deploy"
UNITS = ["northwind-redis.service", "northwind-actions.service", "northwind-rasa.service"]
GATEWAYS = ["northwind-gateway@8001.service", "northwind-gateway@8002.service"]
TRAIN_AND_RELOAD = "/opt/northwind/deploy/train-and-reload.sh"
# runuser as the script calls it, minus the switch to the northwind user this machine lacks.
RUNUSER = """#!/bin/sh
[ "$1 $2 $3" = "-u northwind --" ] || { echo "runuser $*" >&2; exit 97; }
shift 3
exec "$@"
"""


def install(tmp_path: Path) -> Path:
    """deploy/ with its absolute paths moved: this checkout, scratch directories."""
    moved = {"/opt/northwind": str(ROOT)} | {
        f"/{place}/northwind": str(tmp_path / place)
        for place in ("etc", "var/log", "var/lib", "run")
    }
    for source in DEPLOY.rglob("*"):
        if source.is_file():
            text = source.read_text()
            for path, there in moved.items():
                text = text.replace(path, there)
            (tmp_path / "deploy" / source.relative_to(DEPLOY)).parent.mkdir(
                parents=True, exist_ok=True
            )
            (tmp_path / "deploy" / source.relative_to(DEPLOY)).write_text(text)
    for directory in [*moved.values(), str(tmp_path / "var/lib/redis")]:
        Path(directory).mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "deploy" / "northwind.env", tmp_path / "etc")
    shutil.copy(tmp_path / "deploy" / "secrets.env.example", tmp_path / "etc" / "secrets.env")
    return tmp_path / "deploy"


def settings(env_file: Path = DEPLOY / "northwind.env") -> dict[str, str]:
    lines = env_file.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def assert_modules_exist(commands: list[str]) -> None:
    modules = [module for command in commands for module in re.findall(r" -m (\w[\w.]*)", command)]
    assert {"rasa_sdk", "bot.serve", "handoff"} <= set(modules)
    assert [module for module in modules if importlib.util.find_spec(module) is None] == []


def documented_gateway_ports() -> list[int]:
    nginx = (ROOT / "docs" / "scaling.md").read_text().split("```nginx")[1].split("```")[0]
    return [int(port) for port in re.findall(r"server 127\.0\.0\.1:(\d+);", nginx)]


def test_systemd_accepts_every_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian package systemd)")
    units = install(tmp_path) / "systemd"
    target = (units / "northwind.target").read_text()
    assert [f"northwind-gateway@{port}.service" for port in documented_gateway_ports()] == [
        unit for unit in re.findall(r"northwind-gateway@\d+\.service", target)
    ]
    verified = subprocess.run(
        [analyze, "verify", "--man=no", "--generators=no", *UNITS, *GATEWAYS, "northwind.target"],
        cwd=units,
        capture_output=True,
        text=True,
    )
    assert (verified.returncode, verified.stderr) == (0, "")
    assert_modules_exist(
        re.findall(
            r"ExecStart=(.*(?:\\\n.*)*)",
            "".join((units / unit).read_text() for unit in [*UNITS, "northwind-gateway@.service"]),
        )
    )


def test_supervisord_reads_its_production_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in settings().items():
        monkeypatch.setenv(name, value)
    options = ServerOptions()
    options.realize(args=["-c", str(install(tmp_path) / "supervisord.conf")])
    programs = {
        process.name: process
        for group in options.process_group_configs
        for process in group.process_configs
    }
    assert sorted(programs) == ["actions", "gateway-1", "gateway-2", "rasa", "redis"]
    gateway_ports = [int(programs[f"gateway-{n}"].command.split()[-1]) for n in (1, 2)]
    assert gateway_ports == documented_gateway_ports()
    assert programs["rasa"].stopasgroup and programs["rasa"].killasgroup  # its workers too
    assert_modules_exist([process.command for process in programs.values()])
    secrets = (DEPLOY / "secrets.env.example").read_text()
    assert re.findall(r"^(\w+)=", secrets, re.M) == [
        "GATEWAY_SECRET",
        "REDIS_PASSWORD",
        "RASA_TOKEN",
        "RASA_CHANNEL_SECRET",
    ]


def test_redis_runs_with_its_production_config(tmp_path: Path) -> None:
    deploy = install(tmp_path)
    (tmp_path / "etc" / "redis-password.conf").write_text('requirepass "from-the-file"\n')
    port = free_port()
    server = ManagedProcess(
        f"redis-deploy-{port}",
        ["redis-server", str(deploy / "redis.conf"), "--port", str(port)],
    )
    try:
        server.wait_for_port(port)
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=port).ping()
        client = redis.Redis(port=port, password="from-the-file", decode_responses=True)
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        client.close()
    finally:
        server.stop()


def test_train_and_reload_names_the_model_the_deployments_rasa_serves(
    tmp_path: Path, trained_model: Path
) -> None:
    assert TRAIN_AND_RELOAD in (ROOT / "docs" / "deploy.md").read_text()
    run_dir = Path(settings()["RUN_DIR"])
    rasa_unit = (DEPLOY / "systemd" / "northwind-rasa.service").read_text()
    (state_directories,) = re.findall(r"^StateDirectory=(.*)$", rasa_unit, re.M)
    assert str(run_dir.relative_to("/var/lib")) in state_directories.split()  # systemd makes it
    start_supervisord = (DEPLOY / "start-supervisord.sh").read_text()
    assert re.search(r'install -d[^\n]*(\\\n[^\n]*)*"\$RUN_DIR"', start_supervisord)
    assert os.access(DEPLOY / "train-and-reload.sh", os.X_OK)

    script = install(tmp_path) / "train-and-reload.sh"
    deployed = settings(tmp_path / "etc" / "northwind.env")
    assert published_model_args(deployed) == []  # nothing published: Rasa's -m decides
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "runuser").write_text(RUNUSER)
    (tmp_path / "bin" / "runuser").chmod(0o755)
    trained = subprocess.run(
        ["bash", str(script)],  # installed by install() without its mode
        env={"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (trained.returncode, trained.stdout) == (0, f"{trained_model}\n"), trained.stderr
    assert published_model_args(deployed) == ["--model", str(trained_model.resolve())]
