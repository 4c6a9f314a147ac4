#!/usr/bin/env bash
# Northwind under supervisord (deploy/supervisord.conf): settings and secrets from
# /etc/northwind into the environment, which every service inherits; then supervisord in
# the foreground, as the northwind user, for a container's entry point or an init script.
set -euo pipefail
set -a
. /etc/northwind/northwind.env
. /etc/northwind/secrets.env
set +a
install -d -o northwind -g northwind -m 0750 /var/log/northwind /run/northwind \
  /var/lib/northwind/redis /var/lib/northwind/attachments /var/lib/northwind/encoders \
  "$RUN_DIR"
cd /opt/northwind
exec runuser -u northwind -- /opt/northwind/.venv/bin/supervisord -c /opt/northwind/deploy/supervisord.conf
