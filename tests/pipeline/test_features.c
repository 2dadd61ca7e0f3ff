/* Proposals beyond MVP through `wasmaot run`, in both bounds modes: SIMD128, exceptions (the
 * exnref proposal's try_table/throw_ref and the legacy try/catch/rethrow/delegate), tail calls
 * (return_call, return_call_indirect). Each module (features/NAME.wat) prints what it checked and
 * exits with a status that only a correct run produces. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "proc.h"

static struct proc_result run_module(const char *name, const char *bounds) {
  char wasm[1024], cache_env[1200];
  snprintf(wasm, sizeof wasm, "%s/%s.wasm", FEATURE_DIR, name);
  /* a cache of this test's own, so a stale entry elsewhere cannot answer for the translator */
  snprintf(cache_env, sizeof cache_env, "WASMAOT_CACHE=%s/features-cache", TEST_TMP_DIR);
  char *envp[] = {cache_env, "PATH=/usr/local/bin:/usr/bin:/bin", NULL};
  char *argv[] = {WASMAOT, "run", "--bounds", (char *)bounds, wasm, NULL};
  return proc_run(argv, envp, 300);
}

static void expect_run(const char *name, const char *out, int status) {
  static const char *modes[] = {"guard", "check"};
  for (int m = 0; m < 2; m++) {
    struct proc_result r = run_module(name, modes[m]);
    cr_expect_eq(r.status, status, "%s --bounds %s: exit %d, expected %d; stderr: %s", name, modes[m],
                 r.status, status, r.err);
    cr_expect_str_eq(r.out, out, "%s --bounds %s stdout", name, modes[m]);
    proc_result_free(&r);
  }
}

Test(features, simd128) { expect_run("simd", "SIMD128 says hi\n", 204); }

Test(features, exceptions_exnref_try_table) {
  expect_run("exn_try_table", "caught 42\nrethrown\nno throw\n", 42);
}

Test(features, exceptions_legacy_try_catch) {
  expect_run("exn_legacy", "caught 5\nrethrown 9\ndelegated\n", 5);
}

Test(features, uncaught_exception_is_a_trap) {
  static const char *modes[] = {"guard", "check"};
  for (int m = 0; m < 2; m++) {
    struct proc_result r = run_module("exn_uncaught", modes[m]);
    cr_expect_eq(r.status, 134, "--bounds %s: exit %d; stderr: %s", modes[m], r.status, r.err);
    cr_expect_str_eq(r.err, "wasm trap: uncaught exception\n", "--bounds %s", modes[m]);
    proc_result_free(&r);
  }
}

/* 10,000,000 mutually recursive tail calls: only constant stack space gets there. */
Test(features, tail_calls) { expect_run("tail_call", "even\n", 0); }
