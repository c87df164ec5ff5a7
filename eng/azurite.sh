#!/usr/bin/env bash
# Manage a throwaway Azurite (blob, queue and table storage emulator) for the tests, the demo and the trials.
# Tables hold CohortSync's state; blobs, queues and tables hold the Durable Task engine's task hub.
#
#   eng/azurite.sh install             npm ci in eng/azurite when node_modules is missing or stale
#   eng/azurite.sh start STATE_DIR     start on free 127.0.0.1 ports, print the connection string
#   eng/azurite.sh stop  STATE_DIR     stop the instance started with that STATE_DIR
#
# stdout carries only the connection string (so `cs=$(eng/azurite.sh start d)` works);
# everything else goes to stderr.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
AZ_DIR="$HERE/azurite"
AZ_BIN="$AZ_DIR/node_modules/.bin/azurite"
# npm ci writes this hidden lockfile; its mtime tells when node_modules was last installed.
AZ_STAMP="$AZ_DIR/node_modules/.package-lock.json"

START_TIMEOUT_S=30 # how long to wait for Azurite to accept connections
STOP_TIMEOUT_S=10  # how long to wait after SIGTERM before SIGKILL
START_ATTEMPTS=3   # a freshly picked free port can be taken before Azurite binds it

# Well-known, public Azurite development account (not a secret).
ACCOUNT_NAME=devstoreaccount1
ACCOUNT_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

log() { echo "azurite.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

need_node() {
  command -v node >/dev/null 2>&1 || die "node is not installed (needed for Azurite); install Node.js 20+ (e.g. apt-get install nodejs npm)"
  command -v npm >/dev/null 2>&1 || die "npm is not installed (needed for Azurite); install npm (e.g. apt-get install npm)"
}

cmd_install() {
  need_node
  if [[ -x "$AZ_BIN" && -f "$AZ_STAMP" && ! "$AZ_DIR/package-lock.json" -nt "$AZ_STAMP" ]]; then
    return 0 # already installed from the current lock file
  fi
  log "installing Azurite from eng/azurite/package-lock.json (npm ci)..."
  # npm output goes to stderr so it never pollutes the connection string on stdout.
  if ! (cd "$AZ_DIR" && npm ci --no-audit --no-fund --loglevel=error 1>&2); then
    die "npm ci failed in $AZ_DIR"
  fi
  [[ -x "$AZ_BIN" ]] || die "npm ci succeeded but $AZ_BIN is missing"
  touch "$AZ_STAMP" # make the staleness check above independent of npm's own mtimes
}

# Ask the OS for a free TCP port on 127.0.0.1 (bind to port 0, read it back, release it).
free_port() {
  node -e '
    const s = require("net").createServer();
    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });
  '
}

# True when something accepts TCP connections on 127.0.0.1:$1 (bash /dev/tcp, no extra tools).
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Running = signalable and not a zombie (an exited child of ours stays a zombie until reaped,
# and kill -0 still succeeds on it).
pid_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
  [[ "${stat##*) }" != Z* ]]
}

# Same for a whole process group (-pgid): true while any member is still running.
# Reads /proc directly so it needs no procps.
group_alive() {
  local f stat rest st pgrp
  for f in /proc/[0-9]*/stat; do
    read -r stat <"$f" 2>/dev/null || continue
    rest="${stat##*) }" # fields after "pid (comm) ": state ppid pgrp ...
    read -r st _ pgrp _ <<<"$rest"
    [[ "$pgrp" == "$1" && "$st" != Z ]] && return 0
  done
  return 1
}

cmd_start() {
  local state="${1:-}"
  [[ -n "$state" ]] || usage
  mkdir -p "$state"
  state="$(cd "$state" && pwd)"
  if [[ -f "$state/azurite.pid" ]] && pid_alive "$(cat "$state/azurite.pid")"; then
    die "Azurite already running for $state (pid $(cat "$state/azurite.pid")); stop it first"
  fi
  rm -f "$state/azurite.pid" "$state/azurite.port"

  cmd_install

  local attempt port blob_port queue_port pid deadline
  for ((attempt = 1; attempt <= START_ATTEMPTS; attempt++)); do
    port="$(free_port)"
    blob_port="$(free_port)"
    queue_port="$(free_port)"
    [[ "$port" =~ ^[0-9]+$ && "$blob_port" =~ ^[0-9]+$ && "$queue_port" =~ ^[0-9]+$ ]] || die "could not get free ports from the OS"
    # --inMemoryPersistence: nothing written to disk, every run starts empty.
    # setsid: own session/process group, so `stop` can kill Azurite and any children at once.
    # Run from STATE_DIR so any stray file Azurite might write lands in the temp dir.
    # Not a process-group leader here (no job control), so setsid execs in place and $! is Azurite's pid.
    (
      cd "$state"
      exec setsid "$AZ_BIN" \
        --blobHost 127.0.0.1 --blobPort "$blob_port" \
        --queueHost 127.0.0.1 --queuePort "$queue_port" \
        --tableHost 127.0.0.1 --tablePort "$port" \
        --inMemoryPersistence --disableTelemetry --skipApiVersionCheck --loose \
        </dev/null >>"$state/azurite.log" 2>&1
    ) &
    pid=$!
    echo "$pid" >"$state/azurite.pid"

    # Poll (not a fixed sleep) until it accepts connections, dies, or times out.
    deadline=$((SECONDS + START_TIMEOUT_S))
    while ((SECONDS < deadline)); do
      if ! pid_alive "$pid"; then break; fi
      if port_open "$port" && port_open "$blob_port" && port_open "$queue_port"; then
        echo "$port" >"$state/azurite.port"
        echo "DefaultEndpointsProtocol=http;AccountName=$ACCOUNT_NAME;AccountKey=$ACCOUNT_KEY;BlobEndpoint=http://127.0.0.1:$blob_port/$ACCOUNT_NAME;QueueEndpoint=http://127.0.0.1:$queue_port/$ACCOUNT_NAME;TableEndpoint=http://127.0.0.1:$port/$ACCOUNT_NAME;"
        return 0
      fi
      sleep 0.2
    done

    if pid_alive "$pid"; then
      cmd_stop "$state"
      die "Azurite did not accept connections on 127.0.0.1:$blob_port/$queue_port/$port within ${START_TIMEOUT_S}s; log: $state/azurite.log"
    fi
    rm -f "$state/azurite.pid"
    # Exited early: retry on a new port only if the port was stolen in between.
    if grep -q EADDRINUSE "$state/azurite.log" 2>/dev/null; then
      log "port $port was taken before Azurite bound it; retrying ($attempt/$START_ATTEMPTS)"
      continue
    fi
    break
  done
  log "Azurite exited during startup; last lines of $state/azurite.log:"
  tail -n 20 "$state/azurite.log" >&2 || true
  exit 1
}

cmd_stop() {
  local state="${1:-}"
  [[ -n "$state" ]] || usage
  local pidfile="$state/azurite.pid"
  [[ -f "$pidfile" ]] || return 0 # nothing started (or already stopped): fine, stop is idempotent
  local pid
  pid="$(cat "$pidfile")"
  if [[ "$pid" =~ ^[0-9]+$ ]] && pid_alive "$pid"; then
    # Azurite is its own process-group leader (setsid), so -pid targets the whole group.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + STOP_TIMEOUT_S))
    # Not our child, so `wait` can't be used: poll until the group is gone.
    while group_alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
    if group_alive "$pid"; then
      log "Azurite (pid $pid) ignored SIGTERM for ${STOP_TIMEOUT_S}s; sending SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || true
      deadline=$((SECONDS + 5))
      while group_alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
    fi
  fi
  rm -f "$pidfile" "$state/azurite.port"
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start "${2:-}" ;;
  stop) cmd_stop "${2:-}" ;;
  *) usage ;;
esac
