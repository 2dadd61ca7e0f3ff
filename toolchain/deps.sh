#!/usr/bin/env bash
# Installs the Debian packages wasmaot needs, only those missing. Idempotent.
# Uses apt-get as root, sudo otherwise; says clearly what to do if neither works.
set -euo pipefail

packages=(wabt clang lld wasi-libc libclang-rt-14-dev-wasm32 libssl-dev libcriterion-dev
  clang-16 libclang-rt-16-dev # wasmaot's default C compiler for translated code (README, Codegen)
  cmake make gcc pkg-config nodejs python3 python3-matplotlib wrk valgrind hyperfine
  chromium openssl util-linux) # the bench's tests: report rendering, digest reference, taskset

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    # nodejs may come from outside Debian (e.g. a preinstalled Node); accept a node on PATH.
    if [ "$p" = nodejs ] && command -v node >/dev/null; then continue; fi
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

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
