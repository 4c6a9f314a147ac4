# Sourced by the other scripts: settings.env defaults, overridden by the environment,
# plus secrets generated once into var/secrets.env (kept across restarts).
set -a
_overrides=$(export -p)
# shellcheck disable=SC1091
. ./settings.env
eval "$_overrides"

mkdir -p var
touch var/secrets.env
chmod 600 var/secrets.env
secret() {  # secret NAME BYTES: the environment's value, else the stored one, else a new one
  local name=$1 value
  value=${!name:-}
  [ -n "$value" ] || value=$(grep "^$name=" var/secrets.env | cut -d= -f2-)
  if [ -z "$value" ]; then
    value=$(head -c "$2" /dev/urandom | base64 | tr -d '/+=')
    echo "$name=$value" >> var/secrets.env
  fi
  printf -v "$name" '%s' "$value"
}
secret RASA_TOKEN 24
secret GATEWAY_SECRET 32
secret DEMO_AGENT_PASSWORD 9

RASA_URL=${RASA_URL:-http://$RASA_HOST:$RASA_PORT}
RASA_TELEMETRY_ENABLED=false
SANIC_HOST=$ACTION_SERVER_HOST
# Longer than the keep-alive of Rasa's HTTP client (15 s): the action server must never
# close a connection Rasa is about to reuse ("Cannot write to closing transport").
SANIC_KEEP_ALIVE_TIMEOUT=75
set +a
