"""Run the gateway: `python -m handoff [--host H] [--port N]` (settings from the env)."""

from __future__ import annotations

import argparse
import dataclasses
import logging
from typing import Sequence

from handoff.settings import Settings
from handoff.web.app import create_app
from handoff.web.deadlines import DeadlineProtocol


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m handoff", description="The live-handoff gateway (Socket.IO)."
    )
    parser.add_argument("--host", help="overrides GATEWAY_HOST")
    parser.add_argument("--port", type=int, help="overrides GATEWAY_PORT")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if args.host:
        settings = dataclasses.replace(settings, gateway_host=args.host)
    if args.port:
        settings = dataclasses.replace(settings, gateway_port=args.port)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app(settings)
    app.run(
        host=settings.gateway_host,
        port=settings.gateway_port,
        access_log=False,
        motd=False,
        workers=1,
        protocol=DeadlineProtocol,
    )


if __name__ == "__main__":
    main()
