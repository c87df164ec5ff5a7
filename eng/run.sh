#!/usr/bin/env bash
# THE run command:  bash eng/run.sh [cohortsync arguments]
#
# Runs the main job on embedded defaults: starts a private Azurite and the sandboxes (seeded with a
# demo Amplitude project and the vendors' users) on free ports, then `cohortsync demo`, which
#  1. syncs the embedded sample cohort to a file destination twice (a full first sync, then only
#     the change), and
#  2. syncs the sandbox's Amplitude cohort to Braze, Iterable, Pushwoosh, Productboard and a
#     webhook, printing each destination's summary, then one sync again (cohort unchanged).
# Every run goes through the Durable Task engine (an in-process sidecar on Durable Task's Azure Storage backend, on the
# same Azurite), with the orchestrator and activities the Functions app runs.
# Any arguments replace `demo`, e.g. `bash eng/run.sh run --sync my-sync --mode DryRun`.
# Azurite and the sandboxes are stopped afterwards; storage is in memory, so every run starts fresh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

STATE="$(mktemp -d "${TMPDIR:-/tmp}/cohortsync-run.XXXXXX")"
SANDBOX_PID=""
cleanup() {
  if [[ -n "$SANDBOX_PID" ]]; then kill -TERM "$SANDBOX_PID" 2>/dev/null || true; wait "$SANDBOX_PID" 2>/dev/null || true; fi
  bash eng/azurite.sh stop "$STATE" >/dev/null 2>&1 || true
  rm -rf "$STATE"
}
trap cleanup EXIT INT TERM

echo "==> building CohortSync"
dotnet build src/CohortSync.LocalHost/CohortSync.LocalHost.csproj -c Release -v quiet -nologo -clp:ErrorsOnly
dotnet build src/CohortSync.Sandbox/CohortSync.Sandbox.csproj -c Release -v quiet -nologo -clp:ErrorsOnly
echo "==> starting Azurite (blob, queue and table storage emulator)"
CONNECTION="$(bash eng/azurite.sh start "$STATE")"
export Storage__ConnectionString="$CONNECTION"

echo "==> starting the sandboxes (Amplitude, Braze, Iterable, Pushwoosh, Productboard, webhook)"
dotnet src/CohortSync.Sandbox/bin/Release/net10.0/CohortSync.Sandbox.dll --demo >"$STATE/sandbox.log" 2>&1 &
SANDBOX_PID=$!
SANDBOX_URL=""
for _ in $(seq 1 300); do
  SANDBOX_URL="$(grep -o 'listening on http://[^ ]*' "$STATE/sandbox.log" 2>/dev/null | head -n1 | sed 's/listening on //')" || true
  if [[ -n "$SANDBOX_URL" ]]; then break; fi
  if ! kill -0 "$SANDBOX_PID" 2>/dev/null; then cat "$STATE/sandbox.log" >&2; echo "error: the sandboxes did not start" >&2; exit 1; fi
  sleep 0.1
done
if [[ -z "$SANDBOX_URL" ]]; then echo "error: the sandboxes did not say where they listen" >&2; exit 1; fi

if [[ $# -eq 0 ]]; then set -- demo --sandbox "$SANDBOX_URL"; fi
dotnet src/CohortSync.LocalHost/bin/Release/net10.0/cohortsync.dll "$@"
