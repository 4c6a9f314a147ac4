# shellcheck shell=bash disable=SC2034  # every variable here is exported (set -a)
# Sourced by the other scripts: settings.env defaults, overridden by the environment,
# plus secrets generated once into $RUN_DIR/secrets.env (kept across restarts).
set -a
_overrides=$(export -p)
# shellcheck disable=SC1091
. ./settings.env
eval "$_overrides"

secrets_file=$RUN_DIR/secrets.env
mkdir -p "$RUN_DIR"
touch "$secrets_file"
chmod 600 "$secrets_file"
secret() {  # secret NAME BYTES: the environment's value, else the stored one, else a new one
  local name=$1 value
  value=${!name:-}
  # sed, not grep: grep fails on a name not stored yet, which `set -e` callers die of.
  [ -n "$value" ] || value=$(sed -n "s/^$name=//p" "$secrets_file" | tail -n 1)
  if [ -z "$value" ]; then
    value=$(head -c "$2" /dev/urandom | base64 | tr -d '/+=')
    echo "$name=$value" >> "$secrets_file"
  fi
  printf -v "$name" '%s' "$value"
}
secret RASA_TOKEN 24
secret GATEWAY_SECRET 32
secret DEMO_AGENT_PASSWORD 9
# Redis holds password hashes and transcripts: every part authenticates. redis-cli reads
# REDISCLI_AUTH, redis-server a config file: neither password is ever on a command line.
secret REDIS_PASSWORD 24
REDISCLI_AUTH=$REDIS_PASSWORD
# Only the gateway may talk to Rasa's REST channel (bot/channels.py).
secret RASA_CHANNEL_SECRET 24

RASA_URL=${RASA_URL:-http://$RASA_HOST:$RASA_PORT}
RASA_TELEMETRY_ENABLED=false
SANIC_HOST=$ACTION_SERVER_HOST
# Longer than the keep-alive of Rasa's HTTP client (15 s): the action server must never
# close a connection Rasa is about to reuse ("Cannot write to closing transport").
SANIC_KEEP_ALIVE_TIMEOUT=75
set +a
