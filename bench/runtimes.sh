#!/usr/bin/env bash
# `make runtimes`: installs the third-party wasm runtimes the bench compares against into the
# project-local folder .runtimes/ (git-ignored), at pinned versions, from package registries
# only (crates.io, the Go module proxy, npm). Each one is skipped when its pinned version
# is already there, so a second run costs nothing. WasmEdge, WAMR's iwasm and wasm3 ship no
# binary through these registries (PyPI's wamr-bin is a stub that downloads from GitHub), so
# they are not installed here; the bench row for each names the upstream install command. One failure does not stop the others: the
# bench reports a runtime that is missing as "not installed", with the command below.
#
# `make bench` runs `bench/runtimes.sh bun wazero` itself before measuring (the quick ones: a
# prebuilt binary from npm, a short go build), each bounded by QUICK_INSTALL_LIMIT seconds; the
# long cargo builds (wasmtime 36.x with preview1 sockets, wasmer) only happen here, through
# `make runtimes`. The current wasmtime CLI comes prebuilt with toolchain/deps.sh (.venv).
#
# Usage: bench/runtimes.sh [NAME...]   (default: all; names: wasmtime wazero bun wasmer)
set -uo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)/.runtimes"
bin="$root/bin"
logs="$root/logs"
mkdir -p "$bin" "$logs"

# Pinned versions. wasmtime 36.x is the LTS line that still has preview1 sockets
# (`-S tcplisten=` with the legacy WASI, `-S preview2=n`); later releases answer ENOTSOCK.
WASMTIME_VERSION=36.0.6
WAZERO_VERSION=v1.12.0
BUN_VERSION=1.4.5
WASMER_VERSION=7.4.2
# wasmer-cli pulls in a very large dependency tree; give up after this many seconds so that
# `make runtimes` stays bounded on a 2-core machine (the bench row then says why it is missing);
# the next `make runtimes` carries on from the crates already compiled.
WASMER_BUILD_LIMIT=${WASMER_BUILD_LIMIT:-2400}
JOBS=${JOBS:-$(nproc)}
# bun and wazero: a download or a short build; a stalled network must not hold the bench up.
QUICK_INSTALL_LIMIT=${QUICK_INSTALL_LIMIT:-300}

say() { printf 'runtimes: %s\n' "$*" >&2; }

# stamp NAME VERSION: true when NAME was installed at exactly VERSION by this script.
stamp_ok() { [ -x "$bin/$1" ] && [ "$(cat "$root/$1.version" 2>/dev/null)" = "$2" ]; }
stamp_set() { echo "$2" >"$root/$1.version"; rm -f "$root/$1.failed"; }

# run_logged NAME CMD...: runs CMD with its output in logs/NAME.log, printing a progress line
# every 30 s so a long cargo build visibly moves.
run_logged() {
  local name=$1; shift
  local log="$logs/$name.log" start=$SECONDS
  "$@" >"$log" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 5
    if (((SECONDS - start) % 30 < 5)); then
      say "$name: $((SECONDS - start)) s, $(grep -cE '^ *Compiling' "$log" 2>/dev/null || true) crates compiled, last: $(tail -c 300 "$log" | tr '\r' '\n' | grep -v '^ *$' | tail -1 | cut -c1-90)"
    fi
  done
  wait "$pid"
  local rc=$?
  if [ $rc -ne 0 ]; then
    say "$name: FAILED after $((SECONDS - start)) s (exit $rc); see $log"
    # Read by the bench, which shows it in the row of a runtime that is not installed.
    local why="exit $rc"
    [ $rc -eq 124 ] && why="stopped at its time limit"
    [ $rc -eq 143 ] && why="stopped (SIGTERM)"
    echo "last install attempt $(date -u +%Y-%m-%d): $why after $((SECONDS - start)) s on $(nproc) cores" >"$root/$name.failed"
  fi
  return $rc
}

install_wasmtime() {
  if stamp_ok wasmtime "$WASMTIME_VERSION"; then say "wasmtime $WASMTIME_VERSION: already installed"; return 0; fi
  say "wasmtime $WASMTIME_VERSION: cargo install (long: ~20-40 min on 2 cores)"
  run_logged wasmtime cargo install --locked --root "$root" -j "$JOBS" wasmtime-cli --version "=$WASMTIME_VERSION" &&
    stamp_set wasmtime "$WASMTIME_VERSION" && say "wasmtime: $("$bin/wasmtime" --version)"
}

install_wazero() {
  if stamp_ok wazero "$WAZERO_VERSION"; then say "wazero $WAZERO_VERSION: already installed"; return 0; fi
  say "wazero $WAZERO_VERSION: go install"
  GOBIN="$bin" run_logged wazero timeout "$QUICK_INSTALL_LIMIT" go install "github.com/tetratelabs/wazero/cmd/wazero@$WAZERO_VERSION" &&
    stamp_set wazero "$WAZERO_VERSION" && say "wazero: $("$bin/wazero" version)"
}

install_bun() {
  if stamp_ok bun "$BUN_VERSION"; then say "bun $BUN_VERSION: already installed"; return 0; fi
  say "bun $BUN_VERSION: npm install @oven/bun-linux-x64 (the package ships the binary)"
  mkdir -p "$root/npm"
  run_logged bun timeout "$QUICK_INSTALL_LIMIT" npm install --no-audit --no-fund --prefix "$root/npm" "@oven/bun-linux-x64@$BUN_VERSION" &&
    ln -sf "$root/npm/node_modules/@oven/bun-linux-x64/bin/bun" "$bin/bun" &&
    stamp_set bun "$BUN_VERSION" && say "bun: $("$bin/bun" --version)"
}

install_wasmer() {
  if stamp_ok wasmer "$WASMER_VERSION"; then say "wasmer $WASMER_VERSION: already installed"; return 0; fi
  say "wasmer $WASMER_VERSION: cargo install wasmer-cli (cranelift), limit ${WASMER_BUILD_LIMIT} s"
  # A build target directory of its own: a build stopped at the limit resumes on the next run.
  run_logged wasmer timeout "$WASMER_BUILD_LIMIT" cargo install --locked --root "$root" -j "$JOBS" \
    --target-dir "$root/target/wasmer" wasmer-cli --version "=$WASMER_VERSION" --features cranelift &&
    stamp_set wasmer "$WASMER_VERSION" && say "wasmer: $("$bin/wasmer" --version)"
}

names=("$@")
[ ${#names[@]} -eq 0 ] && names=(wazero bun wasmtime wasmer)
failed=()
for n in "${names[@]}"; do
  case "$n" in
    wasmtime | wazero | bun | wasmer) "install_$n" || failed+=("$n") ;;
    *) say "unknown runtime '$n' (known: wasmtime wazero bun wasmer)"; failed+=("$n") ;;
  esac
done
say "done; binaries in $bin${failed:+; not installed: ${failed[*]}}"
# Missing runtimes are reported by the bench, not fatal here: the bench runs without them.
exit 0
