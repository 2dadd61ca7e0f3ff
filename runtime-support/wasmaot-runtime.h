/* wasmaot-runtime.h — the whole contract between wasm2c's generated code, our host main and
 * the WASI runtime.
 *
 * Generated code (wasm2c 1.0.42, always run with module name "guest") calls:
 *   - the wasm-rt functions in wasm-rt.h (memory/table allocation, wasm_rt_trap, exceptions),
 *     implemented by wabt's own wasm-rt-impl.c, wasm-rt-mem-impl.c and
 *     wasm-rt-exceptions-impl.c, which we compile with the knobs below (and with
 *     wasm-rt-hardening.h: allocation failures end the process cleanly, never a NULL write);
 *   - one C function per WASI import, `w2c_wasi__snapshot__preview1_<name>`, taking a pointer
 *     to `struct w2c_wasi__snapshot__preview1` (our WASI context, defined here) and the
 *     import's wasm-level arguments as u32/u64. Those live in wasi_preview1.c.
 * The host provides: main() (host_main.c), which builds the context from the command line,
 * instantiates the module, runs `_start`, and exits with the guest's exit code.
 *
 * Every file on either side includes this header before wasm-rt.h (generated code through
 * `-include wasmaot-runtime.h`), so the knobs are decided once, here.
 */
#ifndef WASMAOT_RUNTIME_H
#define WASMAOT_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

/* ---- Knobs. Each is decided here from the one macro `wasmaot build` sets. ---------------- */

/* Bounds checking: WASMAOT_BOUNDS_CHECK, 0 for `--bounds guard` (default), 1 for
 * `--bounds check`.
 *  - guard (WASM_RT_MEMCHECK_GUARD_PAGES): each 32-bit memory reserves 8 GiB of address space
 *    with PROT_NONE beyond its size, so an out-of-bounds access faults and wabt's SIGSEGV
 *    handler turns it into a trap — no instruction per access, but it needs a 64-bit host and
 *    virtual address space. Stack exhaustion: the same handler, on an alternate stack
 *    (WASM_RT_STACK_EXHAUSTION_HANDLER).
 *  - check (WASM_RT_MEMCHECK_BOUNDS_CHECK): every load and store compares against the memory
 *    size (explicit checks, ~1.2-1.4x); memory is malloc'd and grown by realloc
 *    (WASM_RT_USE_MMAP=0), which ASan can watch under --sanitize. wabt offers only a 500-call
 *    counter for the stack here, which makes ordinary deep recursion trap in one mode only;
 *    instead our stack_guard.c turns a fault just below the native stack into the same trap,
 *    so wabt's own stack checks are off (its knob for that is named NONCONFORMING because
 *    wabt then checks nothing; we do).
 * In both, memory and table sizes are computed in 64 bits with overflow checks (wabt 1.0.42),
 * and a failed grow is the guest's -1. */
#ifdef WASM_RT_H_
#error "wasm-rt.h was included before wasmaot-runtime.h: its knobs would not be ours"
#endif
#ifndef WASMAOT_BOUNDS_CHECK
#define WASMAOT_BOUNDS_CHECK 0
#endif
#if WASMAOT_BOUNDS_CHECK
#define WASM_RT_MEMCHECK_BOUNDS_CHECK 1
#define WASM_RT_USE_MMAP 0
#define WASM_RT_NONCONFORMING_UNCHECKED_STACK_EXHAUSTION 1
#else
#define WASM_RT_MEMCHECK_GUARD_PAGES 1
#define WASM_RT_USE_MMAP 1
#endif

/* Segue: with clang on x86-64 Linux, generated code may keep the linear memory's base in the
 * %gs segment register (wasm2c 1.0.42). Off unless WASMAOT_SEGUE=1 (see README, Codegen). */
#ifndef WASMAOT_SEGUE
#define WASMAOT_SEGUE 0
#endif
#define WASM_RT_ALLOW_SEGUE WASMAOT_SEGUE

#include <setjmp.h>

#include "wasm-rt.h"

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
struct wasi_fd_snapshot;

/* One per instance; wasm2c passes it to every import. Only the runtime looks inside. */
struct w2c_wasi__snapshot__preview1 {
  wasm_rt_memory_t *memory; /* the guest's exported "memory"; data/size re-read on each call */
  struct wasi_fd_table *fds;
  uint32_t argc;
  char **argv; /* guest argv, argv[0] is the program name */
  uint32_t envc;
  char **envp;                          /* "KEY=VALUE" strings, exactly what the guest may see */
  struct wasi_fd_snapshot *fd_snapshot; /* serve: what wasi_ctx_reset restores, or NULL */
};
typedef struct w2c_wasi__snapshot__preview1 wasi_ctx;

/* ---- Serving many requests from one instance (wasmaot serve, runtime-support/serve/) ---- */

/* Where traps and proc_exit go instead of ending the process. NULL (the default, and always in
 * `wasmaot run`): a trap prints its line and exits WASMAOT_TRAP_EXIT_CODE, proc_exit exits.
 * Set by the serve host around each request: a trap (also one raised inside wabt's SIGSEGV
 * handler) or a proc_exit records what happened here and longjmps to `jmp`; the host then
 * resets the instance, so no guest state survives the jump. The jump leaves the signal mask
 * as it was inside the handler: the host restores its own after landing. */
struct wasmaot_unwind {
  jmp_buf jmp;
  bool exited;        /* proc_exit (exit_code), else a trap (trap) */
  uint32_t exit_code; /* proc_exit's argument */
  wasm_rt_trap_t trap;
  const char *unknown_import; /* the trap was a call to this unknown import */
};
extern struct wasmaot_unwind *wasmaot_unwind_target;

/* A guest stdio stream backed by host memory instead of a host descriptor (serve: the request
 * body on stdin, the CGI response on stdout). Reads take `in` from in_pos on; writes append to
 * `out` up to out_max bytes (past it, the write fails with EFBIG and `overflowed` is set). */
struct wasi_mem_stream {
  const uint8_t *in;
  size_t in_len, in_pos;
  uint8_t *out;
  size_t out_len, out_cap, out_max;
  bool overflowed;
};

/* Host side: build the context. All return 0 or print one line and return -1. */
int wasi_ctx_init(wasi_ctx *ctx, uint32_t argc, char **argv, uint32_t envc, char **envp);
/* Pre-open host directory `host_path` as guest path `guest_path` (next free fd, from 3). */
int wasi_ctx_preopen_dir(wasi_ctx *ctx, const char *host_path, const char *guest_path);
/* The same for a --dir argument, "HOST[::GUEST]" (the guest path defaults to HOST). */
int wasi_ctx_preopen_spec(wasi_ctx *ctx, const char *spec);
/* Bind and listen on HOST:PORT, and hand the listener to the guest as the next fd. */
int wasi_ctx_listen(wasi_ctx *ctx, const char *host_port);
void wasi_ctx_free(wasi_ctx *ctx);
/* Serve: make guest fd `fd` (0-2) a memory stream. The stream stays the caller's; the entry's
 * host descriptor is `null_fd` (an open /dev/null the caller keeps), which is never closed and
 * answers fstat and poll. 0 or -1. */
int wasi_ctx_set_mem_stream(wasi_ctx *ctx, uint32_t fd, struct wasi_mem_stream *stream,
                            int null_fd);
/* Serve: remember the descriptor table as it is now (stdio, preopens) as the pristine one, with
 * its own duplicates of the host descriptors. 0 or -1. */
int wasi_ctx_snapshot(wasi_ctx *ctx);
/* Serve: put the table back as it was at wasi_ctx_snapshot (descriptors the guest opened are
 * closed, renumbered, closed or restricted ones restored; nothing is done when it is
 * unchanged), and give the guest this environment for its next run. 0 or -1 (EMFILE...). */
int wasi_ctx_reset(wasi_ctx *ctx, uint32_t envc, char **envp);

/* Called by wasm-rt-hardening.h's wrappers when wabt's runtime cannot allocate or map what an
 * instance needs (a huge table, a memory under `ulimit -v`): one line
 * "wasmaot: error: out of memory: <what>" and exit status 1, instead of a NULL write or abort. */
WASM_RT_NO_RETURN void wasmaot_rt_fatal(const char *what);

/* The body of every stub `--unknown-imports trap` puts in place of an import the runtime does
 * not provide: "wasm trap: call to unknown import MODULE.NAME", exit WASMAOT_TRAP_EXIT_CODE. */
WASM_RT_NO_RETURN void wasmaot_unknown_import_trap(const char *module_dot_name);

/* Called by wasm-rt-impl.c for every trap (compiled with WASM_RT_TRAP_HANDLER=wasmaot_trap):
 * prints "wasm trap: <reason>" to stderr and exits with WASMAOT_TRAP_EXIT_CODE. Safe to call
 * from the SIGSEGV handler. */
WASM_RT_NO_RETURN void wasmaot_trap(wasm_rt_trap_t code);

/* --bounds check: turns a fault just below this thread's stack into the "call stack
 * exhausted" trap, as guard mode's handler does (stack_guard.c). 0, or -1 on failure. */
int wasmaot_install_stack_guard(void);

#endif
