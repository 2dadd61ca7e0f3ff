#!/usr/bin/env bash
# Runs the project's fuzz targets for a while each, then prints one summary line per target
# (inputs or modules tried, findings) and exits 1 if any target found anything or failed to run.
# Targets: the libFuzzer ones, and `diff` (translated code against wasmtime, diff/difffuzz.py).
#
#   tests/fuzz/run_fuzz.sh [--build DIR] [--seconds N] [TARGET...]
#
# A TARGET is a folder under tests/fuzz/corpus/ (its seeds, kept in the repository) whose
# fuzzer is DIR/tests/fuzz/fuzz_TARGET (built by CMake); default: every such folder. $FUZZ_SECONDS,
# if set, overrides --seconds (so ctest's run can be shortened from the environment).
# New corpus entries go to DIR/tests/fuzz/work/TARGET, findings (crash-*, leak-*, timeout-*,
# oom-*, reproducible with `DIR/tests/fuzz/fuzz_TARGET FILE`) to DIR/tests/fuzz/findings/TARGET/,
# libFuzzer's log to DIR/tests/fuzz/TARGET.log.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=build
seconds=60
targets=()
while [ $# -gt 0 ]; do
  case $1 in
  --build) build=$2; shift 2 ;;
  --seconds) seconds=$2; shift 2 ;;
  -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
  *) targets+=("$1"); shift ;;
  esac
done
seconds=${FUZZ_SECONDS:-$seconds}
if [ ${#targets[@]} -eq 0 ]; then
  for d in "$here"/corpus/*/; do targets+=("$(basename "$d")"); done
  targets+=(diff)
fi

out=$build/tests/fuzz
failed=0
for t in "${targets[@]}"; do
  if [ "$t" = diff ]; then
    # Differential fuzzing of translated code against wasmtime (diff/difffuzz.py): new seeds
    # each run (the clock, printed for --replay), every default configuration.
    log=$out/diff.log
    mkdir -p "$out"
    "$here/../../.venv/bin/python" "$here/diff/difffuzz.py" --wasmaot "$build/bin/wasmaot" \
      --jobs "$(nproc)" --seconds "$seconds" --work "$out/diff" >"$log" 2>&1
    rc=$?
    echo "fuzz diff: $(grep -E '^difffuzz: modules tried' "$log" | tail -n 1 | sed 's/^difffuzz: //'), exit $rc (log: $log)"
    [ "$rc" -ne 0 ] && failed=1 && grep -E 'DIVERGENCE|CRASH|BUILD' "$log" | head -5 | sed 's/^/  /'
    continue
  fi
  fuzzer=$out/fuzz_$t
  if [ ! -x "$fuzzer" ]; then
    echo "fuzz $t: $fuzzer not built (is clang's libFuzzer runtime installed? see tests/fuzz/)"
    failed=1
    continue
  fi
  work=$out/work/$t findings=$out/findings/$t log=$out/$t.log
  mkdir -p "$work" "$findings"
  stamp=$out/.$t.started
  touch "$stamp"
  "$fuzzer" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$findings/" "$work" "$here/corpus/$t" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  new=$(find "$findings" -type f -newer "$stamp" | wc -l)
  echo "fuzz $t: ${runs:-?} inputs in ${seconds}s, $new crash(es)/finding(s), exit $rc (log: $log)"
  if [ "$rc" -ne 0 ] || [ "$new" -ne 0 ]; then
    failed=1
    grep -m 3 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | sed 's/^/  /'
    find "$findings" -type f -newer "$stamp" | sed 's/^/  finding: /'
  fi
done
exit $failed
