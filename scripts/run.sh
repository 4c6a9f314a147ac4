#!/usr/bin/env bash
# `make run`: start Redis, the action server, Rasa and the gateway; Ctrl-C stops them all.
#
# However this script is stopped (Ctrl-C, SIGTERM or SIGHUP, to it or to make, once or
# again while it stops), it stops every service it started before it exits. A service
# that cannot start (port taken, exited during start-up) is reported in one sentence.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

log_dir=$RUN_DIR/log
mkdir -p "$RUN_DIR/redis" "$log_dir"
# Each child runs in a session of its own (setsid), so its pid is its process group:
# stopping the group stops what it started too (Rasa's workers), and a terminal's Ctrl-C
# reaches only this script and what it runs in the foreground, never a service half-way.
declare -A group_of=()  # service name -> pid and process group
declare -A setting_of=([redis]=REDIS [actions]=ACTION_SERVER [rasa]=RASA [gateway]=GATEWAY)
port_of() { local var=${setting_of[$1]}_PORT; echo "${!var}"; }

stop_all() {  # stop_all [MESSAGE]: stop every process group this script started
  # make passes its TERM on, so a second signal comes while stopping: it must not cut
  # this short, and neither may a write to a terminal or pipe that is gone.
  trap '' INT TERM HUP PIPE
  trap - EXIT
  set +e
  [ $# -eq 0 ] || printf '\n%s\n' "$1"
  signal_all TERM
  # Time for Redis to write its file and Sanic to finish open requests; then KILL
  # whatever still runs (a Rasa worker loading the model), and wait until it is gone,
  # its sockets closed, so that a new start finds the ports free.
  gone_within 12 || { signal_all KILL; gone_within 3; }
  wait 2>/dev/null
}
signal_all() {  # signal_all SIGNAL: to every group; fails when none is left
  local pid delivered=1
  for pid in "${group_of[@]}"; do kill -"$1" -- "-$pid" 2>/dev/null && delivered=0; done
  return $delivered
}
gone_within() {  # gone_within SECONDS: wait until no group has a process left
  for _ in $(seq $(($1 * 5))); do
    signal_all 0 || return 0
    sleep 0.2
  done
  return 1
}
trap 'stop_all stopping...; exit 130' INT
trap 'stop_all stopping...; exit 143' TERM
trap 'stop_all stopping...; exit 129' HUP
trap stop_all EXIT

fail() {  # fail SENTENCE: the one line a user reads about why nothing runs; stops the rest
  echo "make run: $1." >&2
  exit 1
}

start() {  # start NAME COMMAND...: in the background, logging to $log_dir/NAME.log
  local name=$1; shift
  setsid "$@" >"$log_dir/$name.log" 2>&1 &
  group_of[$name]=$!
}

wait_until() {  # wait_until NAME CHECK...: until CHECK succeeds, while NAME runs
  local name=$1; shift
  for _ in $(seq 1500); do  # 300 s: a busy machine's first start exports the encoder too
    "$@" && return 0
    kill -0 "${group_of[$name]}" 2>/dev/null \
      || fail "$name exited during start-up (port $(port_of "$name")); see $log_dir/$name.log"
    sleep 0.2
  done
  fail "$name did not answer on port $(port_of "$name") within 300 s; see $log_dir/$name.log"
}

# The URL goes through curl's stdin (-K -): it may carry a token, and a command line is
# visible to every user of the machine (ps).
http_ok() { printf 'url = "%s"\n' "$1" | curl -sf --max-time 2 -o /dev/null -K -; }
redis_answers() { [ "$(timeout 2 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

require_free_port() {  # require_free_port NAME: fails when something listens on its port
  local host_var=${setting_of[$1]}_HOST port_var=${setting_of[$1]}_PORT holder
  # A connection, not a bind: bash can make one, and it finds what a bind would collide with.
  # shellcheck disable=SC2016  # $0 and $1 are the inner bash's
  timeout 1 bash -c ': <"/dev/tcp/$0/$1"' "${!host_var}" "${!port_var}" 2>/dev/null || return 0
  holder=$(ss -Hltnp "sport = :${!port_var}" 2>/dev/null \
    | sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\).*/ by \1 (pid \2)/p' | head -n 1)
  fail "cannot start $1: port ${!port_var} is already in use$holder; stop that or set \
$port_var to a free port ($1 logs to $log_dir/$1.log)"
}

# Every port is checked before anything starts, so a taken one leaves nothing running.
if redis_answers; then
  echo "redis: already running on $REDIS_HOST:$REDIS_PORT, using it"
  reuse_redis=1
else
  require_free_port redis
  reuse_redis=
fi
require_free_port actions
require_free_port rasa
require_free_port gateway

# Training may take minutes: in the background, because bash runs a trap at once during
# `wait` but only after a foreground command ends. Its progress goes to the terminal.
setsid .venv/bin/python -m bot.training >"$RUN_DIR/model.path" &
group_of[training]=$!
wait "${group_of[training]}"
unset 'group_of[training]'
model=$(<"$RUN_DIR/model.path")

if [ -z "$reuse_redis" ]; then
  # The password in a file only its owner reads, not on the command line. Append-only
  # file: queued conversations survive a restart of Redis too.
  (umask 077 && printf 'requirepass "%s"\n' "$REDIS_PASSWORD" >"$RUN_DIR/redis/redis.conf")
  start redis redis-server "$RUN_DIR/redis/redis.conf" --bind "$REDIS_HOST" \
    --port "$REDIS_PORT" --dir "$RUN_DIR/redis" --appendonly yes --save ""
  wait_until redis redis_answers
fi
# The action server has no authentication of its own (rasa_sdk has none): it listens on
# loopback only (SANIC_HOST, scripts/env.sh), where only Rasa calls it.
start actions .venv/bin/python -m rasa_sdk --actions actions -p "$ACTION_SERVER_PORT"
# One Rasa worker per core plus one: a worker waiting on Redis or the action server
# leaves its core to another. Rasa takes its API token only as an argument: it is added
# inside the process, from the environment, so `ps` never shows it.
start rasa env SANIC_WORKERS="${RASA_WORKERS:-$(($(nproc) + 1))}" .venv/bin/python -c '
import os, sys
from rasa.__main__ import main
sys.argv[1:1] = ["run", "--enable-api", "--auth-token", os.environ["RASA_TOKEN"]]
main()' -i "$RASA_HOST" -p "$RASA_PORT" -m "$model" --endpoints endpoints.yml \
  --credentials credentials.yml
wait_until actions http_ok "http://$ACTION_SERVER_HOST:$ACTION_SERVER_PORT/health"
wait_until rasa http_ok "$RASA_URL/status?token=$RASA_TOKEN"
if [ -n "${DEMO_AGENT:-}" ]; then
  # Checked first: the account tool would answer an unreachable Redis with a traceback.
  redis_answers || fail "redis stopped answering on port $REDIS_PORT, so the console \
account '$DEMO_AGENT' cannot be created; see $log_dir/redis.log"
  echo "$DEMO_AGENT_PASSWORD" | .venv/bin/python -m handoff.accounts add "$DEMO_AGENT" \
    --name "Demo Agent" --password-stdin >"$log_dir/agents.log" 2>&1 \
    || fail "the console account '$DEMO_AGENT' could not be stored in Redis (port \
$REDIS_PORT); see $log_dir/agents.log"
fi
start gateway .venv/bin/python -m handoff
wait_until gateway http_ok "http://$GATEWAY_HOST:$GATEWAY_PORT/health"

cat <<INFO

  Northwind Shop assistant is running (logs in $log_dir/, Ctrl-C stops everything)
    model           $model
    redis           redis://$REDIS_HOST:$REDIS_PORT/$REDIS_DB   (password in $RUN_DIR/secrets.env)
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
status=0
# 2>/dev/null: bash's own notice ("Killed") would come before the sentence that says it.
wait -n -p exited "${group_of[@]}" 2>/dev/null || status=$?
for name in "${!group_of[@]}"; do
  [ "${group_of[$name]}" != "$exited" ] || fail "$name stopped unexpectedly (port \
$(port_of "$name"), exit status $status); see $log_dir/$name.log"
done
