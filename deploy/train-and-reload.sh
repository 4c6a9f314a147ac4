#!/usr/bin/env bash
# Train the bot on /opt/northwind's data (only if config, domain, bot/data or bot/ code
# changed) and have the running Rasa serve it: the model is named in $RUN_DIR/model.path,
# and every Rasa worker switches to it within MODEL_RELOAD_INTERVAL_S, without a restart
# (docs/deploy.md, "Train and reload"). As root, under systemd or supervisord alike:
#   /opt/northwind/deploy/train-and-reload.sh
set -euo pipefail
set -a
. /etc/northwind/northwind.env
set +a
cd /opt/northwind
exec runuser -u northwind -- /opt/northwind/.venv/bin/python -m bot.training --publish
