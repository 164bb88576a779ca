#!/usr/bin/env bash
# Runs the whole suite. Uses PostgreSQL and Redis when they answer (or DATABASE_URL / REDIS_URL);
# REQUIRE_SERVICES=1 makes a missing service an error. Installs Debian's chromium for the browser
# test when it is missing and this machine allows it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Installation de chromium (paquet Debian) pour le test navigateur…"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "Attention : chromium n'a pas pu être installé."
  else
    echo "Attention : /usr/bin/chromium absent (paquet Debian « chromium ») : le test navigateur sera ignoré."
  fi
fi

exec $PY -m pytest "$@"
