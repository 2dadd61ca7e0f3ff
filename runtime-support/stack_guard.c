/* Stack exhaustion under `--bounds check`.
 *
 * With guard pages, wasm-rt-impl.c's SIGSEGV handler already turns a fault on the thread
 * stack's guard page into the "call stack exhausted" trap. With explicit checks there is no
 * such handler, and wasm2c's alternative, a call-depth counter (500 calls by default), makes
 * an ordinary C program that recurses 2,000 deep trap in check mode but run in guard mode (and
 * under wasmtime). So check mode is built without the counter
 * (WASM_RT_USE_STACK_DEPTH_COUNT=0) and gets the same rule as guard mode: the guest may use
 * the whole native stack, and a fault just below it is the exhaustion trap. Any other fault is
 * not a guest trap (check mode checks every access), so it is reported as a runtime crash.
 *
 * The trap goes through wasm_rt_trap: in built executables that is wasmaot_trap (print, exit
 * 134); in the spec-test harness it longjmps back to the test, so the handler must not leave
 * SIGSEGV blocked (SA_NODEFER: check mode's setjmp does not restore the signal mask). */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wasmaot-runtime.h"

/* A fault this close below the lowest stack address the thread may use counts as running
 * off the stack: a frame can skip past the guard page by up to its own size. */
enum { STACK_FAULT_WINDOW = 1 << 20 };

static uintptr_t g_stack_low, g_stack_high;

static void stack_guard_handler(int sig, siginfo_t *si, void *unused) {
  (void)unused;
  uintptr_t a = (uintptr_t)si->si_addr;
  if (a + STACK_FAULT_WINDOW >= g_stack_low && a < g_stack_high)
    wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  static const char msg[] = "wasmaot: internal error: the runtime crashed (SIGSEGV)\n";
  ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)ignored;
  signal(sig, SIG_DFL);
  raise(sig);
}

int wasmaot_install_stack_guard(void) {
  pthread_attr_t attr;
  void *addr;
  size_t size;
  if (pthread_getattr_np(pthread_self(), &attr) != 0)
    return -1;
  int rc = pthread_attr_getstack(&attr, &addr, &size);
  pthread_attr_destroy(&attr);
  if (rc != 0)
    return -1;
  g_stack_low = (uintptr_t)addr;
  g_stack_high = (uintptr_t)addr + size;

  /* The handler runs on its own stack: the thread's is the one that ran out. */
  static char alt_stack[64 * 1024];
  stack_t ss = {.ss_sp = alt_stack, .ss_size = sizeof alt_stack, .ss_flags = 0};
  if (sigaltstack(&ss, NULL) != 0)
    return -1;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = stack_guard_handler;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGSEGV, &sa, NULL) != 0 || sigaction(SIGBUS, &sa, NULL) != 0)
    return -1;
  return 0;
}
