/* wasmaot-runtime.h — the whole contract between wasm2c's generated code, our host main and
 * the WASI runtime.
 *
 * Generated code (wasm2c 1.0.32) calls:
 *   - the wasm-rt functions in wasm-rt.h (memory/table allocation, wasm_rt_trap), implemented by
 *     wabt's own wasm-rt-impl.c, which we compile with the knobs below;
 *   - one C function per WASI import, `Z_wasi_snapshot_preview1Z_<name>`, taking a pointer to
 *     `struct Z_wasi_snapshot_preview1_instance_t` (our WASI context, defined here) and the
 *     import's wasm-level arguments as u32/u64. Those live in wasi_preview1.c.
 * The host provides: main() (host_main.c), which builds the context from the command line,
 * instantiates the module, runs `_start`, and exits with the guest's exit code.
 */
#ifndef WASMAOT_RUNTIME_H
#define WASMAOT_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "wasm-rt.h"

/* ---- Knobs. Each is set by `wasmaot build` on the compiler command line. ----------------- */

/* Bounds checking. `--bounds guard` (default) sets WASM_RT_MEMCHECK_SIGNAL_HANDLER=1: each
 * memory reserves 8 GiB of address space with PROT_NONE beyond its size, so an out-of-bounds
 * access faults and the SIGSEGV handler turns it into a trap — no instruction per access, but
 * it needs a 64-bit host and virtual address space. `--bounds check` sets it to 0: every load
 * and store compares against the memory size (explicit checks, ~1.4x in published
 * measurements). In both, running off the native stack is the exhaustion trap. */

/* Exit status of a process whose guest trapped. 134 is what wasmtime uses on Unix, so scripts
 * that tell "trap" from "exit" keep working; a guest's own proc_exit code is passed through. */
#ifndef WASMAOT_TRAP_EXIT_CODE
#define WASMAOT_TRAP_EXIT_CODE 134
#endif

/* Upper bound on open guest descriptors (the fd table grows up to this). EMFILE past it. */
#ifndef WASMAOT_MAX_FDS
#define WASMAOT_MAX_FDS 4096
#endif

/* ---- The WASI context ------------------------------------------------------------------- */

struct wasi_fd_table;

/* One per instance; wasm2c passes it to every import. Only the runtime looks inside. */
struct Z_wasi_snapshot_preview1_instance_t {
  wasm_rt_memory_t *memory; /* the guest's exported "memory"; data/size re-read on each call */
  struct wasi_fd_table *fds;
  uint32_t argc;
  char **argv; /* guest argv, argv[0] is the program name */
  uint32_t envc;
  char **envp; /* "KEY=VALUE" strings, exactly what the guest may see */
};
typedef struct Z_wasi_snapshot_preview1_instance_t wasi_ctx;

/* Host side: build the context. All return 0 or print one line and return -1. */
int wasi_ctx_init(wasi_ctx *ctx, uint32_t argc, char **argv, uint32_t envc, char **envp);
/* Pre-open host directory `host_path` as guest path `guest_path` (next free fd, from 3). */
int wasi_ctx_preopen_dir(wasi_ctx *ctx, const char *host_path, const char *guest_path);
/* Bind and listen on HOST:PORT, and hand the listener to the guest as the next fd. */
int wasi_ctx_listen(wasi_ctx *ctx, const char *host_port);
void wasi_ctx_free(wasi_ctx *ctx);

/* Called by wasm-rt-impl.c for every trap (compiled with WASM_RT_TRAP_HANDLER=wasmaot_trap):
 * prints "wasm trap: <reason>" to stderr and exits with WASMAOT_TRAP_EXIT_CODE. Safe to call
 * from the SIGSEGV handler. */
WASM_RT_NO_RETURN void wasmaot_trap(wasm_rt_trap_t code);

/* --bounds check: turns a fault just below this thread's stack into the "call stack
 * exhausted" trap, as guard mode's handler does (stack_guard.c). 0, or -1 on failure. */
int wasmaot_install_stack_guard(void);

#endif
