# Sourced by the other scripts: settings.env defaults, overridden by the environment,
# plus secrets generated once into var/secrets.env.
set -a
_overrides=$(export -p)
# shellcheck disable=SC1091
. ./settings.env
eval "$_overrides"
mkdir -p var
if [ ! -f var/secrets.env ]; then
  umask 077
  {
    echo "RASA_TOKEN=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
    echo "GATEWAY_SECRET=$(head -c 32 /dev/urandom | base64 | tr -d '/+=')"
  } > var/secrets.env
fi
[ -n "${RASA_TOKEN:-}" ] || RASA_TOKEN=$(grep '^RASA_TOKEN=' var/secrets.env | cut -d= -f2-)
[ -n "${GATEWAY_SECRET:-}" ] || GATEWAY_SECRET=$(grep '^GATEWAY_SECRET=' var/secrets.env | cut -d= -f2-)
RASA_URL=${RASA_URL:-http://$RASA_HOST:$RASA_PORT}
RASA_TELEMETRY_ENABLED=false
SANIC_HOST=$ACTION_SERVER_HOST
set +a
