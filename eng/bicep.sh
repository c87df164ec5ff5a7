#!/usr/bin/env bash
# Build and lint the deployment with the Bicep CLI from NuGet (eng/tools/Bicep.proj), failing on any error or warning.
#
#   eng/bicep.sh OUT_DIR     restore the CLI, `bicep build` infra/main.bicep into OUT_DIR/main.json and `bicep lint` it;
#                            print the compiled template's path (stdout carries only that line)
#
# Any diagnostic (Error, Warning, Info) from either command fails, as does a non-zero exit. eng/test.sh calls this and
# passes the path to the tests as COHORTSYNC_BICEP_JSON.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEMPLATE="$ROOT/infra/main.bicep"
OUT="${1:?usage: eng/bicep.sh OUT_DIR}"

log() { echo "bicep.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

mkdir -p "$OUT"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

# The package is a download only; its one file that matters is tools/bicep, a self-contained executable.
dotnet restore "$ROOT/eng/tools/Bicep.proj" -nodeReuse:false >"$OUT/restore.log" 2>&1 || { cat "$OUT/restore.log" >&2; die "restore of eng/tools/Bicep.proj failed"; }
version="$(sed -n 's#.*<BicepCliVersion>\(.*\)</BicepCliVersion>.*#\1#p' "$ROOT/Directory.Packages.props")"
[[ -n "$version" ]] || die "BicepCliVersion is not set in Directory.Packages.props"
packages="$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: //p')"
BICEP="${packages%/}/azure.bicep.commandline.linux-x64/$version/tools/bicep"
[[ -f "$BICEP" ]] || die "the Bicep CLI is not at $BICEP after restore"
[[ -x "$BICEP" ]] || chmod u+x "$BICEP"

# run NAME ARGS...: the command's output is shown; any diagnostic line, or a failing exit, fails the script.
run() {
  local name="$1"; shift
  local output status=0
  output="$("$BICEP" "$@" 2>&1)" || status=$?
  if [[ -n "$output" ]]; then echo "$output" | sed "s#^#    #" >&2; fi
  if ((status != 0)); then die "bicep $name exited $status"; fi
  if grep -qE ' : (Error|Warning|Info) ' <<<"$output"; then die "bicep $name reported diagnostics (listed above)"; fi
}

log "Bicep CLI $version: build and lint infra/main.bicep"
run build build "$TEMPLATE" --outfile "$OUT/main.json"
run lint lint "$TEMPLATE"
[[ -s "$OUT/main.json" ]] || die "bicep build wrote no template"
echo "$OUT/main.json"
