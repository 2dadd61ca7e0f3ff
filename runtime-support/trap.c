/* Trap reporting: the one place a guest trap ends the process (or, serving, the request). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wasmaot-runtime.h"

static const char *trap_reason(wasm_rt_trap_t code) {
  switch (code) {
  case WASM_RT_TRAP_OOB:
    return "out of bounds memory access";
  case WASM_RT_TRAP_INT_OVERFLOW:
    return "integer overflow";
  case WASM_RT_TRAP_DIV_BY_ZERO:
    return "integer divide by zero";
  case WASM_RT_TRAP_INVALID_CONVERSION:
    return "invalid conversion to integer";
  case WASM_RT_TRAP_UNREACHABLE:
    return "unreachable executed";
  case WASM_RT_TRAP_CALL_INDIRECT:
    return "indirect call type mismatch or null/out-of-range table element";
  case WASM_RT_TRAP_EXHAUSTION:
    return "call stack exhausted";
  case WASM_RT_TRAP_UNCAUGHT_EXCEPTION:
    return "uncaught exception";
  case WASM_RT_TRAP_NULL_REF:
    return "null reference";
  case WASM_RT_TRAP_UNALIGNED:
    return "unaligned atomic";
  default:
    return "unknown trap";
  }
}

/* Defined by runtime-support/tierup.c when the executable has in-run tier-up. */
void wasmaot_exit_cleanup(void) __attribute__((weak));

/* One line "PREFIXTEXT\n" on stderr, then _exit(status). Only async-signal-safe calls: it runs
 * inside the SIGSEGV handler for guard-page traps. With `escape`, TEXT is the module's own
 * (an import's name): shown, but with nothing that would drive a terminal (\xNN). */
WASM_RT_NO_RETURN static void report_and_exit(const char *prefix, const char *text, int escape,
                                              int status) {
  ssize_t ignored = write(STDERR_FILENO, prefix, strlen(prefix));
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    char shown[4] = {'\\', 'x', "0123456789abcdef"[*p >> 4], "0123456789abcdef"[*p & 15]};
    if (!escape || (*p >= 0x20 && *p < 0x7f && *p != '\\'))
      ignored = write(STDERR_FILENO, p, 1);
    else
      ignored = write(STDERR_FILENO, shown, sizeof shown);
  }
  ignored = write(STDERR_FILENO, "\n", 1);
  (void)ignored;
  if (wasmaot_exit_cleanup) /* in-run tier-up's files (tierup.c) */
    wasmaot_exit_cleanup();
  _exit(status);
}

/* Defined here, with the trap path that reads it, so that everything linking trap.c alone (the
 * spec harness, the differential fuzzer's driver) has it; wasi_ctx.c's proc_exit uses it too. */
struct wasmaot_unwind *wasmaot_unwind_target;

/* Serve (wasmaot_unwind_target set): the trap ends the request, not the process. Async-signal-
 * safe too: only stores and a longjmp off the handler's stack, as wabt's own default does. */
static void unwind_if_serving(wasm_rt_trap_t code, const char *unknown_import) {
  struct wasmaot_unwind *u = wasmaot_unwind_target;
  if (!u)
    return;
  u->exited = false;
  u->trap = code;
  u->unknown_import = unknown_import;
  longjmp(u->jmp, 1);
}

void wasmaot_trap(wasm_rt_trap_t code) {
  unwind_if_serving(code, NULL);
  report_and_exit("wasm trap: ", trap_reason(code), 0, WASMAOT_TRAP_EXIT_CODE);
}

void wasmaot_unknown_import_trap(const char *module_dot_name) {
  unwind_if_serving(WASM_RT_TRAP_UNREACHABLE, module_dot_name);
  report_and_exit("wasm trap: call to unknown import ", module_dot_name, 1, WASMAOT_TRAP_EXIT_CODE);
}

/* Allocation failures inside wabt's runtime (see wasm-rt-hardening.h). */
void wasmaot_rt_fatal(const char *what) {
  report_and_exit("wasmaot: error: out of memory: ", what, 0, 1);
}

void *wasmaot_rt_checked_calloc(size_t count, size_t size) {
  void *p = calloc(count, size);
  if (!p && count && size)
    wasmaot_rt_fatal("cannot allocate a table or memory of the module");
  return p;
}

void *wasmaot_rt_checked_malloc(size_t size) {
  void *p = malloc(size);
  if (!p && size)
    wasmaot_rt_fatal("cannot allocate runtime state");
  return p;
}

void wasmaot_rt_abort(void) {
  /* errno is still the failed mmap's or mprotect's: ENOMEM under a `ulimit -v`. */
  wasmaot_rt_fatal(errno == ENOMEM
                       ? "cannot reserve or map the module's memory (address space limit?)"
                       : "the wasm runtime failed to set up the module's memory");
}

#if defined(__SANITIZE_ADDRESS__)
/* --sanitize builds: an allocation too large for ASan must come back NULL, as it would without
 * ASan, so that it becomes the clean out-of-memory error above (or the guest's -1 from a grow)
 * instead of an ASan abort. ASAN_OPTIONS still overrides this. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
  return "allocator_may_return_null=1";
}
#endif
