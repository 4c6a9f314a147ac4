#!/usr/bin/env bash
# `make run`: start Redis, the action server, Rasa and the gateway; Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

model=$(.venv/bin/python -m bot.training)
mkdir -p "$RUN_DIR/redis" "$RUN_DIR/log"
pids=()
# Job control: each service runs in its own process group, so stopping it stops what it
# started too (Rasa's workers), and Ctrl-C reaches only this script, which stops them.
set -m
stop_all() {
  trap - INT TERM EXIT
  echo; echo "stopping..."
  signal_all TERM || true
  for _ in $(seq 60); do  # 15 s to shut down cleanly (Redis writes its file)...
    signal_all 0 || break
    sleep 0.25
  done
  signal_all KILL || true  # ...then whatever still runs (a Rasa worker loading the model)
  wait 2>/dev/null || true
}
signal_all() {  # signal_all SIGNAL: to every service's process group; fails if none is left
  local pid delivered=1
  for pid in "${pids[@]}"; do kill -"$1" -- "-$pid" 2>/dev/null && delivered=0; done
  return $delivered
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap stop_all EXIT

start() {  # start NAME COMMAND...: run in the background, log to $RUN_DIR/log/NAME.log
  local name=$1; shift
  "$@" >"$RUN_DIR/log/$name.log" 2>&1 &
  pids+=($!)
}

wait_http() {  # wait_http NAME URL
  for _ in $(seq 240); do
    curl -sf -o /dev/null "$2" && return 0
    sleep 0.5
  done
  echo "error: $1 did not start; see $RUN_DIR/log/$1.log" >&2
  exit 1
}

if redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  echo "redis: already running on $REDIS_HOST:$REDIS_PORT, using it"
else
  # Append-only file: queued conversations survive a restart of Redis too.
  start redis redis-server --bind "$REDIS_HOST" --port "$REDIS_PORT" --dir "$RUN_DIR/redis" \
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
  echo "$DEMO_AGENT_PASSWORD" | .venv/bin/python -m handoff.accounts add "$DEMO_AGENT" \
    --name "Demo Agent" --password-stdin >/dev/null
fi
start gateway .venv/bin/python -m handoff
wait_http gateway "http://$GATEWAY_HOST:$GATEWAY_PORT/health"

cat <<INFO

  Northwind Shop assistant is running (logs in $RUN_DIR/log/, Ctrl-C stops everything)
    model           $model
    redis           redis://$REDIS_HOST:$REDIS_PORT/$REDIS_DB
    action server   http://$ACTION_SERVER_HOST:$ACTION_SERVER_PORT
    rasa (API)      $RASA_URL   (token in $RUN_DIR/secrets.env)
    gateway         http://$GATEWAY_HOST:$GATEWAY_PORT
    demo shop       http://$GATEWAY_HOST:$GATEWAY_PORT/      (the chat widget is on it)
    agent console   http://$GATEWAY_HOST:$GATEWAY_PORT/console/
INFO
if [ -n "${DEMO_AGENT:-}" ]; then
  echo "    console login   $DEMO_AGENT / $DEMO_AGENT_PASSWORD   (add agents: .venv/bin/python -m handoff.accounts add NAME)"
fi
echo
wait -n "${pids[@]}" || true
echo "a service exited; see $RUN_DIR/log/" >&2
exit 1
