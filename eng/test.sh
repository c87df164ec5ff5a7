#!/usr/bin/env bash
# THE test command:  bash eng/test.sh [extra `dotnet test` args, e.g. --filter "FullyQualifiedName~Foo"]
#
# Starts a private Azurite (blob, queue and table storage emulator), restores and builds every project of
# the solution (a project that cannot restore or build fails the run), publishes the Functions app, runs
# every test project under tests/, and prints as its very last line:  N passed, N failed, N skipped
# Exits non-zero if the build failed, any test failed, or no test ran at all.
#
# Environment:
#   COHORTSYNC_TEST_FILTER   passed to `dotnet test --filter`
#   COHORTSYNC_TEST_RESULTS  if set, the TRX files are copied into this directory (the browser tests write their
#                            screenshots to its status-page/ folder)
#   COHORTSYNC_SLN           solution to use instead of CohortSyncFunctions.sln (for testing this script)
#   COHORTSYNC_TESTS_DIR     folder of test projects, relative to the solution (default: tests)
# Exported to the tests:
#   COHORTSYNC_TEST_STORAGE            Azurite connection string (blob, queue and table endpoints)
#   COHORTSYNC_FUNCTIONS_PUBLISH_DIR   where the Functions app was published (its functions.metadata is checked)
#   COHORTSYNC_BICEP_JSON              infra/main.bicep compiled to an ARM template (eng/bicep.sh)
set -euo pipefail

CONFIGURATION=Release
FUNCTIONS_PROJECT=src/CohortSync.Functions/CohortSync.Functions.csproj

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

SLN="${COHORTSYNC_SLN:-$ROOT/CohortSyncFunctions.sln}"
# `dotnet new sln` on .NET 10 makes .slnx; accept that too if the .sln is absent.
if [[ ! -f "$SLN" && -z "${COHORTSYNC_SLN:-}" && -f "${SLN%.sln}.slnx" ]]; then SLN="${SLN%.sln}.slnx"; fi
TESTS_DIR="${COHORTSYNC_TESTS_DIR:-tests}"

say() { echo "==> $*"; }

STATE="$(mktemp -d "${TMPDIR:-/tmp}/cohortsync-test.XXXXXX")"
AZ_STATE="$STATE/azurite" # azurite.pid, azurite.port, azurite.log
CLEANED=0
cleanup() {
  if ((CLEANED)); then return 0; fi
  CLEANED=1
  # Quiet on purpose: nothing may print after the summary line.
  bash "$ROOT/eng/azurite.sh" stop "$AZ_STATE" >/dev/null 2>&1 || true
  # -nodeReuse:false below already ends MSBuild nodes; this ends the compiler server too,
  # so no background process outlives the run (and holds CI's output pipe open).
  dotnet build-server shutdown >/dev/null 2>&1 || true
  rm -rf "$STATE"
}
trap cleanup EXIT
trap 'exit 130' INT # make Ctrl-C / kill go through the EXIT trap as well
trap 'exit 143' TERM

# Final line in every outcome. Cleanup first so it really is the last line.
finish() { # finish EXIT_CODE PASSED FAILED SKIPPED
  cleanup
  echo "$2 passed, $3 failed, $4 skipped"
  exit "$1"
}

# ---------------------------------------------------------------- solution / projects
if [[ ! -f "$SLN" ]]; then
  echo "error: solution not found: $SLN" >&2
  finish 1 0 0 0
fi
SLN="$(cd "$(dirname "$SLN")" && pwd)/$(basename "$SLN")"
SLN_DIR="$(dirname "$SLN")"

# `dotnet sln list` prints a header then one project path (relative to the solution) per line.
mapfile -t ALL_PROJECTS < <(dotnet sln "$SLN" list | tr -d '\r' | sed 's#\\#/#g' | grep -E '\.(cs|fs|vb)proj$' || true)
if ((${#ALL_PROJECTS[@]} == 0)); then
  echo "error: no projects in $SLN" >&2
  finish 1 0 0 0
fi

# ---------------------------------------------------------------- Azurite
say "Azurite"
bash eng/azurite.sh install
COHORTSYNC_TEST_STORAGE="$(bash eng/azurite.sh start "$AZ_STATE")"
export COHORTSYNC_TEST_STORAGE
endpoint="${COHORTSYNC_TEST_STORAGE##*TableEndpoint=}"
echo "Azurite Table endpoint: ${endpoint%;} (COHORTSYNC_TEST_STORAGE)"

# ---------------------------------------------------------------- restore
say "restore"
if ! dotnet restore "$SLN" -nodeReuse:false; then
  echo "error: restore failed" >&2
  finish 1 0 0 0
fi

# ---------------------------------------------------------------- build
say "build ($CONFIGURATION)"
if ! dotnet build "$SLN" --no-restore -c "$CONFIGURATION" -nodeReuse:false; then
  echo "error: build failed" >&2
  finish 1 0 0 0
fi

# ---------------------------------------------------------------- publish the Functions app
# What a deployment ships; FunctionsAppTests read its functions.metadata.
if [[ -f "$SLN_DIR/$FUNCTIONS_PROJECT" ]]; then
  say "publish $FUNCTIONS_PROJECT"
  COHORTSYNC_FUNCTIONS_PUBLISH_DIR="$STATE/functions-publish"
  if ! dotnet publish "$SLN_DIR/$FUNCTIONS_PROJECT" --no-restore -c "$CONFIGURATION" -o "$COHORTSYNC_FUNCTIONS_PUBLISH_DIR" -nodeReuse:false -v quiet -nologo; then
    echo "error: publish of the Functions app failed" >&2
    finish 1 0 0 0
  fi
  export COHORTSYNC_FUNCTIONS_PUBLISH_DIR
fi

# ---------------------------------------------------------------- deployment (Bicep)
# infra/main.bicep must build and lint without a diagnostic; the tests read the compiled template.
say "bicep"
if ! COHORTSYNC_BICEP_JSON="$(bash eng/bicep.sh "$STATE/bicep")"; then
  echo "error: infra/main.bicep does not build and lint clean (eng/bicep.sh)" >&2
  finish 1 0 0 0
fi
export COHORTSYNC_BICEP_JSON

# ---------------------------------------------------------------- Chromium (the status page's browser tests)
# Debian's chromium package, which Playwright drives (it downloads no browser). Without it those tests skip, saying so.
if [[ ! -x /usr/bin/chromium ]]; then
  say "chromium (apt-get)"
  SUDO=()
  if [[ "$(id -u)" != 0 ]]; then SUDO=(sudo -n); fi
  apt_install() { ${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }
  if ! { apt_install || { ${SUDO[@]+"${SUDO[@]}"} apt-get update -qq && apt_install; }; } >"$STATE/chromium.log" 2>&1; then
    echo "warning: chromium could not be installed; the browser tests will be skipped ($(tail -n 1 "$STATE/chromium.log"))" >&2
  fi
fi

# ---------------------------------------------------------------- test
TEST_PROJECTS=()
for p in "${ALL_PROJECTS[@]}"; do
  name="$(basename "$p")"; name="${name%.*}"
  if [[ "$p" == "$TESTS_DIR"/* && "$name" == *Tests ]]; then TEST_PROJECTS+=("$p"); fi
done

TEST_ARGS=()
if [[ -n "${COHORTSYNC_TEST_FILTER:-}" ]]; then TEST_ARGS+=(--filter "$COHORTSYNC_TEST_FILTER"); fi
TEST_ARGS+=("$@")

RESULTS="$STATE/results"
mkdir -p "$RESULTS"
TEST_EXIT=0
for p in "${TEST_PROJECTS[@]}"; do
  name="$(basename "$p")"; name="${name%.*}"
  say "test $p"
  # Keep going after a failing project; remember the failure for the exit code.
  if ! dotnet test "$SLN_DIR/$p" --no-build -c "$CONFIGURATION" \
    --results-directory "$RESULTS" --logger "trx;LogFileName=$name.trx" \
    ${TEST_ARGS[@]+"${TEST_ARGS[@]}"}; then
    echo "FAILED: $p (dotnet test exited non-zero)"
    TEST_EXIT=1
  fi
done

if [[ -n "${COHORTSYNC_TEST_RESULTS:-}" ]]; then
  mkdir -p "$COHORTSYNC_TEST_RESULTS"
  find "$RESULTS" -name '*.trx' -exec cp {} "$COHORTSYNC_TEST_RESULTS"/ \;
fi

# ---------------------------------------------------------------- summary
# Sum <Counters .../> of every TRX (XML). Plain shell, so no extra tool is needed.
attr() { # attr NAME "<Counters ...>"  -> value or 0
  local v
  v="$(sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$2")"
  echo "${v:-0}"
}
PASSED=0 FAILED=0 SKIPPED=0
while IFS= read -r -d '' trx; do
  counters="$(tr '\n\r' '  ' <"$trx" | grep -o '<Counters [^>]*>' | head -n 1 || true)"
  [[ -n "$counters" ]] || { echo "warning: no <Counters> in $trx" >&2; TEST_EXIT=1; continue; }
  total=$(attr total "$counters")
  passed=$(attr passed "$counters")
  failed=$(($(attr failed "$counters") + $(attr error "$counters") + $(attr timeout "$counters") + $(attr aborted "$counters")))
  skipped=$((total - passed - failed))
  if ((skipped < 0)); then skipped=0; fi
  PASSED=$((PASSED + passed)) FAILED=$((FAILED + failed)) SKIPPED=$((SKIPPED + skipped))
done < <(find "$RESULTS" -name '*.trx' -print0)

if ((${#TEST_PROJECTS[@]} == 0)); then echo "error: no test projects found under $TESTS_DIR/" >&2; fi

STATUS=0
if ((TEST_EXIT != 0 || FAILED > 0)); then STATUS=1; fi
if ((PASSED + FAILED == 0)); then
  echo "error: no test ran" >&2
  STATUS=1
fi
finish "$STATUS" "$PASSED" "$FAILED" "$SKIPPED"
