/* Workloads: the three builds of each (native, wasm under node:wasi, aot by wasmaot) print
 * byte-identical output, and cpu-hash's digest equals OpenSSL's SHA-256 chain. */
#include <criterion/criterion.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "proc.h"

static const unsigned long rounds_cases[] = {0, 1, 2, 1000, 50000};

/* The reference: OpenSSL's SHA-256 applied `rounds` times to "hello" padded to 32 bytes. */
static void openssl_chain_hex(unsigned long rounds, char hex[66]) {
  unsigned char buf[32] = {0};
  memcpy(buf, "hello", 5);
  for (unsigned long i = 0; i < rounds; i++)
    SHA256(buf, sizeof buf, buf);
  for (int i = 0; i < 32; i++)
    sprintf(hex + 2 * i, "%02x", buf[i]);
  strcpy(hex + 64, "\n");
}

/* Runs one build of a workload with up to 3 arguments (NULL-terminated): kind is "native",
 * "aot" or "node". */
static struct proc_result run_workload_args(const char *kind, const char *name, const char *const args[]) {
  char path[1024];
  char *argv[8];
  int n = 0;
  if (strcmp(kind, "node") == 0) {
    snprintf(path, sizeof path, "%s/%s.wasm", WORKLOAD_DIR, name);
    argv[n++] = NODE;
    argv[n++] = "--no-warnings";
    argv[n++] = NODE_RUNNER;
  } else {
    snprintf(path, sizeof path, "%s/%s.%s", WORKLOAD_DIR, name, kind);
  }
  argv[n++] = path;
  for (int i = 0; args && args[i] && i < 3; i++)
    argv[n++] = (char *)args[i];
  argv[n] = NULL;
  return proc_run(argv, NULL, 120);
}

static struct proc_result run_workload(const char *kind, const char *name, const char *arg) {
  const char *args[] = {arg, NULL};
  return run_workload_args(kind, name, args);
}

static const char *kinds[] = {"native", "aot", "node"};

Test(cpu_hash, digest_matches_openssl_for_every_build) {
  for (size_t c = 0; c < sizeof rounds_cases / sizeof rounds_cases[0]; c++) {
    char expected[66], arg[32];
    openssl_chain_hex(rounds_cases[c], expected);
    snprintf(arg, sizeof arg, "%lu", rounds_cases[c]);
    for (int k = 0; k < 3; k++) {
      struct proc_result r = run_workload(kinds[k], "cpu-hash", arg);
      cr_expect_eq(r.status, 0, "%s cpu-hash %s exited %d: %s", kinds[k], arg, r.status, r.err);
      cr_expect_str_eq(r.out, expected, "%s cpu-hash %s", kinds[k], arg);
      proc_result_free(&r);
    }
  }
}

/* Same stdout, stderr and exit status from all three builds, including on bad input. */
static void expect_identical(const char *name, const char *arg) {
  struct proc_result ref = run_workload("native", name, arg);
  cr_assert_neq(ref.status, -1, "native %s did not run", name);
  for (int k = 1; k < 3; k++) {
    struct proc_result r = run_workload(kinds[k], name, arg);
    cr_expect_eq(r.status, ref.status, "%s %s %s: status %d vs native %d", kinds[k], name,
                 arg ? arg : "", r.status, ref.status);
    cr_expect(r.out_len == ref.out_len && memcmp(r.out, ref.out, r.out_len) == 0,
              "%s %s stdout differs from native", kinds[k], name);
    cr_expect(r.err_len == ref.err_len && memcmp(r.err, ref.err, r.err_len) == 0,
              "%s %s stderr differs from native", kinds[k], name);
    proc_result_free(&r);
  }
  proc_result_free(&ref);
}

Test(workloads, hello_prints_hello_everywhere) {
  struct proc_result r = run_workload("aot", "hello", NULL);
  cr_expect_str_eq(r.out, "hello\n");
  proc_result_free(&r);
  expect_identical("hello", NULL);
}

Test(workloads, cpu_hash_identical_everywhere) {
  expect_identical("cpu-hash", "20000");
  expect_identical("cpu-hash", "not-a-number"); /* usage error: same message, same status */
}

/* simd-blur: the digest equals the one bench/workloads.py's numpy re-implementation gives (the
 * values below come from it, not from the workload), for shapes that take every path of the
 * kernel (vectors of 16, scalar tails, one-pixel rows and columns), on every build. */
Test(simd_blur, digest_matches_reference_for_every_build) {
  static const struct {
    const char *args[4];
    const char *digest;
  } cases[] = {
      {{"0", "3", "3", NULL}, "c76dbc68\n"},   {{"3", "37", "5", NULL}, "2f916ee3\n"},
      {{"9", "1000", "7", NULL}, "64f98fc9\n"}, {{"7", "1", "9", NULL}, "2141d648\n"},
      {{"5", "16", "17", NULL}, "9d31a106\n"},  {{"20", NULL}, "f2ecb5ee\n"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
    for (int k = 0; k < 3; k++) {
      struct proc_result r = run_workload_args(kinds[k], "simd-blur", cases[c].args);
      cr_expect_eq(r.status, 0, "%s simd-blur case %zu exited %d: %s", kinds[k], c, r.status, r.err);
      cr_expect_str_eq(r.out, cases[c].digest, "%s simd-blur case %zu", kinds[k], c);
      proc_result_free(&r);
    }
}

Test(workloads, simd_blur_identical_everywhere) {
  expect_identical("simd-blur", "2");
  expect_identical("simd-blur", "-1"); /* usage error: same message, same status */
}
