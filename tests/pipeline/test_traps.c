/* Traps: each kind, from a hand-written .wat, in both bounds modes, prints
 * "wasm trap: <reason>" and exits 134; a guest's own exit code, a bad iovec and deep (finite)
 * recursion are not traps. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "proc.h"

struct trap_case {
  const char *module;
  const char *reason;
};

static struct proc_result run_trap_module(const char *module, const char *mode) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.%s", TRAP_DIR, module, mode);
  char *argv[] = {path, NULL};
  return proc_run(argv, NULL, 60);
}

/* Every module is built for both bounds modes; some also with the runtime under ASan+UBSan
 * ("san"), which would abort on any host overrun. nmodes: 2, or 3 to include "san". */
static const char *const modes[] = {"guard", "check", "san"};

static void expect_trap_in(const char *module, const char *reason, int nmodes) {
  for (int m = 0; m < nmodes; m++) {
    struct proc_result r = run_trap_module(module, modes[m]);
    char expected[256];
    snprintf(expected, sizeof expected, "wasm trap: %s\n", reason);
    cr_expect_eq(r.status, 134, "%s (%s): exit %d, want 134", module, modes[m], r.status);
    cr_expect_str_eq(r.err, expected, "%s (%s)", module, modes[m]);
    cr_expect_eq(r.out_len, 0, "%s (%s) printed to stdout", module, modes[m]);
    proc_result_free(&r);
  }
}

static void expect_trap(const char *module, const char *reason) {
  expect_trap_in(module, reason, 2);
}

/* Not a trap: the guest's own exit status, nothing on stderr. */
static void expect_exit(const char *module, int status, int nmodes) {
  for (int m = 0; m < nmodes; m++) {
    struct proc_result r = run_trap_module(module, modes[m]);
    cr_expect_eq(r.status, status, "%s (%s): exit %d, want %d", module, modes[m], r.status, status);
    cr_expect_eq(r.err_len, 0, "%s (%s): unexpected stderr: %s", module, modes[m], r.err);
    proc_result_free(&r);
  }
}

Test(traps, out_of_bounds) {
  expect_trap("oob", "out of bounds memory access");
}
Test(traps, unreachable) {
  expect_trap("unreachable", "unreachable executed");
}
Test(traps, divide_by_zero) {
  expect_trap("div_by_zero", "integer divide by zero");
}
Test(traps, integer_overflow) {
  expect_trap("int_overflow", "integer overflow");
}
Test(traps, invalid_conversion) {
  expect_trap("invalid_conversion", "invalid conversion to integer");
}
Test(traps, stack_exhaustion) {
  expect_trap("stack_exhaustion", "call stack exhausted");
}
/* With the runtime under ASan too (whose own SIGSEGV handling must not get in the way). */
Test(traps, stack_exhaustion_sanitized) {
  expect_trap_in("stack_exhaustion", "call stack exhausted", 3);
}

/* Deep but finite recursion is not a trap in either mode: check mode used to count calls and
 * stop at 500. */
Test(exits, deep_recursion_is_not_a_trap) {
  expect_exit("deep_recursion", 0, 3);
}

Test(traps, indirect_call_type_mismatch) {
  expect_trap("indirect_call_mismatch",
              "indirect call type mismatch or null/out-of-range table element");
}
Test(traps, indirect_call_null_entry) {
  expect_trap("indirect_call_null",
              "indirect call type mismatch or null/out-of-range table element");
}

Test(exits, proc_exit_code_is_passed_through) {
  expect_exit("exit_code", 42, 2);
}

/* 21 is WASI's EFAULT: the runtime refused the pointer, and the guest lived to report it. */
Test(exits, iovec_past_memory_is_efault_not_a_crash) {
  expect_exit("bad_iovec", 21, 3);
}

/* memory.grow to the 4 GiB limit works in every mode, and one page more is -1 (grow_to_limit.wat
 * checks from inside; exit codes 10-16 name the failed step). */
Test(exits, grow_to_4_gib_then_refused, .timeout = 120) {
  for (int m = 0; m < 3; m++) {
    struct proc_result r = run_trap_module("grow_to_limit", modes[m]);
    cr_expect_eq(r.status, 0, "grow_to_limit (%s): exit %d: %s", modes[m], r.status, r.err);
    cr_expect_str_eq(r.out, "grown\n", "grow_to_limit (%s)", modes[m]);
    proc_result_free(&r);
  }
}

/* A table too large to allocate ends cleanly (exit 1, one line) or runs; never a signal. */
Test(exits, huge_table_is_no_crash, .timeout = 120) {
  for (int m = 0; m < 3; m++) {
    struct proc_result r = run_trap_module("huge_table", modes[m]);
    if (r.status != 0) {
      cr_expect_eq(r.status, 1, "huge_table (%s): exit %d: %s", modes[m], r.status, r.err);
      cr_expect(strncmp(r.err, "wasmaot: error: out of memory", 29) == 0 &&
                    proc_count_lines(r.err) == 1,
                "huge_table (%s): %s", modes[m], r.err);
    }
    proc_result_free(&r);
  }
}

/* Guard pages need 8 GiB of address space per memory: under a smaller `ulimit -v` the
 * reservation fails, and that is one clean line and exit 1, not an abort. */
Test(exits, memory_reservation_refused_is_a_clean_error) {
  char path[1024], script[1200];
  snprintf(path, sizeof path, "%s/exit_code.guard", TRAP_DIR);
  snprintf(script, sizeof script, "ulimit -v 2000000 && exec '%s'", path);
  char *argv[] = {"/bin/sh", "-c", script, NULL};
  struct proc_result r = proc_run(argv, NULL, 60);
  cr_expect_eq(r.status, 1, "exit %d: %s", r.status, r.err);
  cr_expect(strncmp(r.err, "wasmaot: error: out of memory", 29) == 0 &&
                proc_count_lines(r.err) == 1,
            "stderr: %s", r.err);
  proc_result_free(&r);
}
