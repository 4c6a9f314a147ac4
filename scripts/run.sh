#!/usr/bin/env bash
# `make run`: Redis, the action server, Rasa and the gateway under supervisord, which
# restarts a service that exits (with backoff, logged in $RUN_DIR/log/supervisord.log);
# Ctrl-C stops them all. docs/deploy.md tells why supervisord.
#
# However this script is stopped (Ctrl-C, SIGTERM or SIGHUP, to it or to make, once or
# again while it stops), it stops every service it started before it exits. A service
# that cannot start (port taken, exited during start-up) is reported in one sentence.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

run_dir=$(realpath -m "$RUN_DIR")
log_dir=$run_dir/log
conf=$run_dir/supervisord.conf
mkdir -p "$run_dir/redis" "$log_dir"
declare -A setting_of=([redis]=REDIS [actions]=ACTION_SERVER [rasa]=RASA [gateway]=GATEWAY)
port_of() { local var=${setting_of[$1]}_PORT; echo "${!var}"; }
# Training and supervisord each run in a session of their own (setsid), and every service
# in supervisord's: a terminal's Ctrl-C reaches only this script and what it runs in the
# foreground, and whatever was started is found by its session, however it was orphaned.
sessions=()

stop_all() {  # stop_all [MESSAGE]: stop everything this script started
  # make passes its TERM on, so a second signal comes while stopping: it must not cut
  # this short, and neither may a write to a terminal or pipe that is gone.
  trap '' INT TERM HUP PIPE
  trap - EXIT
  set +e
  [ $# -eq 0 ] || printf '\n%s\n' "$1"
  local session
  # supervisord stops the services in reverse start order, each with TERM to its process
  # group (Redis writes its file, Sanic finishes open requests), KILL after 8 s. Then KILL
  # whatever is still left (a Rasa worker loading the model), and wait until it is gone,
  # its sockets closed, so that a new start finds the ports free.
  for session in "${sessions[@]}"; do kill -TERM -- "-$session" 2>/dev/null; done
  gone_within 14 || { signal_sessions KILL; gone_within 3; }
  wait 2>/dev/null
}
signal_sessions() {  # signal_sessions SIGNAL: to every process of every session
  local session
  for session in "${sessions[@]}"; do pkill "-$1" -s "$session"; done
}
gone_within() {  # gone_within SECONDS: wait until no session has a live process left
  local session
  for _ in $(seq $(($1 * 5))); do
    for session in "${sessions[@]}"; do
      ps -o stat= -s "$session" | grep -qv '^Z' && { sleep 0.2; continue 2; }
    done
    return 0
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

# In the background, because bash runs a trap at once during `wait` but only after a
# foreground command ends.
in_background() { "$@" & wait $!; }
ctl() { in_background .venv/bin/supervisorctl -c "$conf" "$@"; }

declare -A pid_of=()  # service name -> the pid supervisord started it with
start() {  # start NAME...: have supervisord start them; their pids in pid_of
  local name told
  # Into a file, not $(...): bash would run a trap only after the command substitution.
  ctl start "$@" >"$run_dir/started" || true
  told=$(<"$run_dir/started")  # "NAME: ERROR (abnormal termination)" for each that failed
  for name; do
    [[ $told != *"$name: ERROR"* ]] \
      || fail "$name exited during start-up (port $(port_of "$name")); see $log_dir/$name.log"
    pid_of[$name]=$(ctl pid "$name")
  done
}

wait_until() {  # wait_until NAME CHECK...: until CHECK succeeds, while NAME runs unrestarted
  local name=$1; shift
  for _ in $(seq 1500); do  # 300 s: a busy machine's first start exports the encoder too
    "$@" && return 0
    kill -0 "${pid_of[$name]}" 2>/dev/null \
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

# Training may take minutes; its progress goes to the terminal.
setsid .venv/bin/python -m bot.training >"$run_dir/model.path" &
sessions+=($!)
wait $!
sessions=()
model=$(<"$run_dir/model.path")

program() {  # program NAME PRIORITY STARTSECS COMMAND: one service's supervisord section
  # Exited within STARTSECS (the time it must stay up to count as started): a failed start,
  # retried after 1 s, 2 s, ... 10 s, then given up (FATAL). Exited later: a crash,
  # restarted at once, and backed off as above if it keeps failing. Every signal goes to
  # the process group, which holds Rasa's workers too.
  cat <<CONF

[program:$1]
command=$4
directory=$PWD
priority=$2
autostart=false
autorestart=true
startsecs=$3
startretries=10
stopasgroup=true
killasgroup=true
stopwaitsecs=8
redirect_stderr=true
stdout_logfile=$log_dir/$1.log
stdout_logfile_maxbytes=10MB
stdout_logfile_backups=3
CONF
}
if [ -z "$reuse_redis" ]; then
  # The password in a file only its owner reads, not on the command line.
  (umask 077 && printf 'requirepass "%s"\n' "$REDIS_PASSWORD" >"$run_dir/redis/redis.conf")
fi
supervisord_conf() {  # supervisord's settings: the services, their logs, its control socket
  local python=$PWD/.venv/bin/python
  cat <<CONF
; Written by scripts/run.sh at each start: supervisord's settings for \`make run\`.
; Control it: .venv/bin/supervisorctl -c $conf status|restart NAME
[supervisord]
logfile=$log_dir/supervisord.log
logfile_maxbytes=10MB
logfile_backups=3
pidfile=$run_dir/supervisord.pid
nodaemon=true
silent=true

[unix_http_server]
file=$run_dir/supervisord.sock
chmod=0700

[rpcinterface:supervisor]
supervisor.rpcinterface_factory=supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$run_dir/supervisord.sock
CONF
  # Append-only file: queued conversations survive a restart of Redis too.
  [ -n "$reuse_redis" ] || program redis 100 1 "redis-server $run_dir/redis/redis.conf \
--bind $REDIS_HOST --port $REDIS_PORT --dir $run_dir/redis --appendonly yes --save \"\""
  # The action server has no authentication of its own (rasa_sdk has none): it listens on
  # loopback only (SANIC_HOST, scripts/env.sh), where only Rasa calls it.
  program actions 200 3 "$python -m rasa_sdk --actions actions -p $ACTION_SERVER_PORT"
  # One Rasa worker per core plus one: a worker waiting on Redis or the action server
  # leaves its core to another. bot.serve takes the API token from the environment.
  program rasa 300 10 "$python -m bot.serve -i $RASA_HOST -p $RASA_PORT -m $model \
--endpoints endpoints.yml --credentials credentials.yml"
  echo "environment=SANIC_WORKERS=\"${RASA_WORKERS:-$(($(nproc) + 1))}\""
  program gateway 400 3 "$python -m handoff"
}
# Secrets reach the services through the environment supervisord passes on (Redis's
# through its own file), so this file holds none; it is the owner's alone all the same.
(umask 077 && supervisord_conf >"$conf")
rm -f "$run_dir/supervisord.sock"  # left by a stack whose script was `kill -9`ed
setsid .venv/bin/supervisord -c "$conf" &
supervisor=$!
sessions+=("$supervisor")
until [ -S "$run_dir/supervisord.sock" ]; do
  kill -0 "$supervisor" 2>/dev/null || fail "supervisord could not start; see $log_dir/supervisord.log"
  sleep 0.1
done

if [ -z "$reuse_redis" ]; then
  start redis
  wait_until redis redis_answers
fi
start actions rasa
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
start gateway
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
cat <<INFO

  A service that exits is restarted (see $log_dir/supervisord.log);
  status or restart one: .venv/bin/supervisorctl -c $conf status|restart NAME

INFO
status=0
wait "$supervisor" || status=$?
fail "supervisord stopped unexpectedly (exit status $status); see $log_dir/supervisord.log"
