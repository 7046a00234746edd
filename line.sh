#!/usr/bin/env bash
# Línea Segura — the project's two commands.
#   ./line.sh start   install what is missing, start Redis (unless REDIS_URL is set), a worker and the web app
#   ./line.sh test    install what is missing (incl. redis-server and chromium) and run the whole test suite
#   ./line.sh bench   run every benchmark in bench/ (results: bench/RESULTS.md)
#   ./line.sh flask   run `flask --app wsgi ...` against the line `start` started (e.g. ./line.sh flask users create NAME)
#   ./line.sh stop    stop the redis-server that `start` left running in the background
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
PROJECT="$(pwd)"
VENV="$PROJECT/.venv"
RUN_DIR="${LINE_RUN_DIR:-$PROJECT/.run}"  # what start leaves behind (tests point it elsewhere)
PYTHON="${PYTHON:-python3}"

say() { printf '\033[1m[line]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else say "need root to run: $*"; return 1; fi
}

# Install Debian packages whose command is missing: apt_need COMMAND PACKAGE [COMMAND PACKAGE ...]
apt_need() {
  local missing=()
  while [ $# -gt 1 ]; do
    command -v "$1" >/dev/null 2>&1 || missing+=("$2")
    shift 2
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    say "please install: ${missing[*]} (no apt-get on this machine)"; return 1
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
    || { as_root apt-get update -q >/dev/null && as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
}

# Create the virtualenv and install a requirements file when it changed since the last install.
python_env() {
  local requirements="$1" stamp
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating virtualenv in .venv"
    "$PYTHON" -m venv "$VENV" || { apt_need pip3 python3-venv && "$PYTHON" -m venv "$VENV"; }
  fi
  stamp="$VENV/.installed-$(basename "$requirements")"
  if [ ! -f "$stamp" ] || ! cat requirements*.txt | cmp -s - "$stamp"; then
    say "installing Python packages from $requirements"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$requirements"
    cat requirements*.txt > "$stamp"
  fi
}

start_redis() {
  apt_need redis-server redis-server
  local port="${LINE_REDIS_PORT:-6380}"
  mkdir -p "$RUN_DIR/redis"
  if ! redis-cli -p "$port" ping >/dev/null 2>&1; then
    say "starting redis-server on 127.0.0.1:$port (data in .run/redis, append-only file on)"
    redis-server --port "$port" --bind 127.0.0.1 --dir "$RUN_DIR/redis" --appendonly yes --save "" \
      --maxmemory-policy noeviction --daemonize yes --pidfile "$RUN_DIR/redis.pid" --logfile "$RUN_DIR/redis.log"
    for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  export REDIS_URL="redis://127.0.0.1:$port/0"
}

cmd_start() {
  python_env requirements.txt
  export LINE_MODE="${LINE_MODE:-local}"
  [ -n "${REDIS_URL:-}" ] || start_redis
  local port="${PORT:-5000}" bind="${BIND:-127.0.0.1}"
  # Where `./line.sh flask ...` finds this line (a new shell does not have these variables).
  mkdir -p "$RUN_DIR"
  printf 'LINE_MODE=%s\nREDIS_URL=%s\n' "$LINE_MODE" "$REDIS_URL" > "$RUN_DIR/line.env"
  say "starting a worker"
  "$VENV/bin/python" worker.py &
  WORKER_PID=$!  # globals: the traps run after this function has returned
  "$VENV/bin/gunicorn" --bind "$bind:$port" --workers "${WEB_CONCURRENCY:-2}" --threads 4 \
    --timeout 20 --access-logfile - wsgi:app &
  WEB_PID=$!
  # Ctrl-C, `kill -TERM` or a supervisor's stop: stop both, then wait for them to finish their work.
  trap 'stop_children; exit 130' INT
  trap 'stop_children; exit 143' TERM
  trap 'stop_children' EXIT
  if [ "$LINE_MODE" = "local" ]; then
    say "simulator: http://127.0.0.1:$port/simulator   (terminal: ./line.sh flask chat --lang es)"
  fi
  say "dashboard: http://127.0.0.1:$port/login   (no default account: ./line.sh flask users create NAME --role admin)"
  # Whichever stops first (a crash, a bad setting) stops the other.
  wait -n "$WORKER_PID" "$WEB_PID" || true
}

stop_children() {
  trap - INT TERM EXIT
  kill -TERM "$WEB_PID" "$WORKER_PID" 2>/dev/null || true
  wait "$WEB_PID" "$WORKER_PID" 2>/dev/null || true
}

cmd_flask() {
  # flask --app wsgi ... with the settings of the line `./line.sh start` started (variables already set win).
  python_env requirements.txt
  if [ -f "$RUN_DIR/line.env" ]; then
    local name value
    while IFS='=' read -r name value; do
      case "$name" in LINE_MODE|REDIS_URL) [ -n "${!name:-}" ] || export "$name=$value" ;; esac
    done < "$RUN_DIR/line.env"
  fi
  exec "$VENV/bin/flask" --app wsgi "$@"
}

cmd_stop() {
  if [ -f "$RUN_DIR/redis.pid" ] && kill "$(cat "$RUN_DIR/redis.pid")" 2>/dev/null; then
    say "stopped the redis-server started by ./line.sh start (its data stays in .run/redis)"
  else
    say "no redis-server started by ./line.sh start is running"
  fi
}

cmd_test() {
  python_env requirements-dev.txt
  apt_need redis-server redis-server chromium chromium
  "$VENV/bin/ruff" check --quiet --select F,E9 --line-length 120 bot tests bench worker.py wsgi.py
  LINE_MODE=local "$VENV/bin/flask" --app wsgi flows check
  LINE_MODE=local "$VENV/bin/flask" --app wsgi translations check
  "$VENV/bin/python" -m pytest -q "$@"
}

cmd_bench() {
  # Every benchmark in bench/, one after the other (each starts its own redis-server and prints ratios
  # against a baseline measured in the same run). Not part of `test`: timing is not pass/fail.
  python_env requirements-dev.txt
  apt_need redis-server redis-server
  local script
  for script in webhook tip_latency state_scale cold_start nlu broadcast; do
    say "bench/$script.py"
    if [ "$script" = webhook ]; then "$VENV/bin/python" bench/webhook.py --rate 200
    else "$VENV/bin/python" "bench/$script.py"; fi
  done
}

cmd_audit() {
  # Known vulnerabilities in the pinned packages. Needs a vulnerability database (PyPI's JSON API or OSV on
  # the internet); --strict fails when a package cannot be checked, so an unreachable database never
  # passes as "clean". Not part of `test`: CI's registry mirror has no vulnerability data.
  python_env requirements-dev.txt
  "$VENV/bin/pip-audit" --strict --progress-spinner off -r requirements.txt -r requirements-dev.txt "$@"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  test) shift; cmd_test "$@" ;;
  audit) shift; cmd_audit "$@" ;;
  bench) shift; cmd_bench ;;
  stop) shift; cmd_stop ;;
  flask) shift; cmd_flask "$@" ;;
  *) echo "usage: ./line.sh start | ./line.sh test [pytest args] | ./line.sh flask COMMAND... | ./line.sh bench | ./line.sh audit | ./line.sh stop" >&2
     exit 64 ;;
esac
