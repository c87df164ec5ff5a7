#!/usr/bin/env bash
# THE run command:  bash eng/run.sh [cohortsync arguments]
#
# Runs the main job on embedded defaults: starts a private Azurite on a free port, then
# `cohortsync demo`, which syncs the embedded sample cohort to a file destination twice (a full
# first sync, then only the change) and prints what happened. Any arguments replace `demo`,
# e.g. `bash eng/run.sh run --sync my-sync --mode DryRun` against the same throwaway storage.
# Azurite is stopped afterwards; its storage is in memory, so every run starts fresh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

STATE="$(mktemp -d "${TMPDIR:-/tmp}/cohortsync-run.XXXXXX")"
cleanup() {
  bash eng/azurite.sh stop "$STATE" >/dev/null 2>&1 || true
  rm -rf "$STATE"
}
trap cleanup EXIT INT TERM

echo "==> building CohortSync"
dotnet build src/CohortSync.LocalHost/CohortSync.LocalHost.csproj -c Release -v quiet -nologo -clp:ErrorsOnly
echo "==> starting Azurite (Table Storage emulator)"
CONNECTION="$(bash eng/azurite.sh start "$STATE")"
export Storage__ConnectionString="$CONNECTION"

if [[ $# -eq 0 ]]; then set -- demo; fi
dotnet src/CohortSync.LocalHost/bin/Release/net10.0/cohortsync.dll "$@"
