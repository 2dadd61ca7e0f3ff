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

/* Runs one build of a workload: kind is "native", "aot" or "node". */
static struct proc_result run_workload(const char *kind, const char *name, const char *arg) {
  char path[1024];
  if (strcmp(kind, "node") == 0) {
    snprintf(path, sizeof path, "%s/%s.wasm", WORKLOAD_DIR, name);
    char *argv[] = {NODE, "--no-warnings", NODE_RUNNER, path, (char *)arg, NULL};
    return proc_run(argv, NULL, 120);
  }
  snprintf(path, sizeof path, "%s/%s.%s", WORKLOAD_DIR, name, kind);
  char *argv[] = {path, (char *)arg, NULL};
  return proc_run(argv, NULL, 120);
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
