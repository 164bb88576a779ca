#!/usr/bin/env bash
# Starts the web server, one Celery worker and Celery beat; Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
mkdir -p var/log

pids=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop EXIT INT TERM

$PY -m celery -A opco worker --loglevel=INFO --concurrency=1 -Q default,referentials,contracts,payments,notifications,maintenance \
  --hostname="worker@%h" >var/log/worker.log 2>&1 &
pids+=($!)
$PY -m celery -A opco beat --loglevel=INFO --schedule=var/celerybeat-schedule >var/log/beat.log 2>&1 &
pids+=($!)

cat <<MSG

  Back-office OPCO : http://$HOST:$PORT/
  Comptes de démonstration (mot de passe : Demo-OPCO-2026!) :
    gestionnaire@demo.local  finance1@demo.local  finance2@demo.local  responsable@demo.local
    conseiller@demo.local    branche@demo.local   admin@demo.local
  Double authentification : code du moment avec « make totp » (secret TOTP : OPCODEMOBACKOFFICETOTPSECRETAAAA)
  Journaux du worker et de beat : var/log/worker.log, var/log/beat.log

MSG
$PY manage.py runserver "$HOST:$PORT"
