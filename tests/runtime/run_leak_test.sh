#!/usr/bin/env bash
# run_leak_test.sh WASMAOT LEAK_GUEST.wasm LEAK_TEST.c WORKDIR MODE [N]
# Translates the guest with `wasmaot compile-guest` (module name "leak"), compiles leak_test.c
# with `wasmaot cflags --bounds MODE` and the guest's header, links both with the runtime
# libraries of that mode (as translator/pipeline.c links executables) and runs N cycles.
set -euo pipefail
wasmaot=$1 wasm=$2 src=$3 work=$4 mode=$5 n=${6:-100000}
share="$(dirname "$wasmaot")/../share/wasmaot"
mkdir -p "$work"
"$wasmaot" compile-guest "$wasm" -n leak -o "$work/leak.o" --bounds "$mode"
mapfile -t cflags < <("$wasmaot" cflags --bounds "$mode")
# cflags[0] is the compiler; its -w silences wabt's headers, so ask for our own warnings after it.
"${cflags[@]}" -Wall -Wextra -Werror -include "$work/leak.h" -c "$src" -o "$work/leak_test.o"
"${cflags[0]}" "$work/leak_test.o" "$work/leak.o" "$share/lib/libwasmaot-rt-$mode.a" \
  "$share/lib/libwasmaot-wasi.a" -lm -lpthread -o "$work/leak_test"
exec "$work/leak_test" "$n"
