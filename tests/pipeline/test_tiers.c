/* Tiers (README, The CLI: tiers): `build --tier quick|optimized`; `run`'s default auto starts
 * on the quick tier of an uncached module and builds the optimised one in the background,
 * which later runs use; concurrent runs start one background build; a failed one leaves the
 * quick entry, is not retried, and -v says why; nothing is left in $TMPDIR. cpu-hash (29 KB of
 * code) is big enough for auto to tier; hello is not. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli_util.h"
#include "proc.h"

TestSuite(tiers, .init = make_scratch, .fini = remove_scratch, .timeout = 240);

static char cache_env[700], tmp_env[700], path_env[8192], cache_dir[600], tmp_dir[600];
static char *envp[4];

/* `wasmaot info --json [--tier TIER]` says `want` (what tools read from it). */
static void expect_info_json(const char *tier, const char *want) {
  char *argv[] = {WASMAOT, "info", "--json", tier ? "--tier" : NULL, (char *)tier, NULL};
  struct proc_result r = proc_run(argv, envp, 30);
  cr_expect(strstr(r.out, want) != NULL, "%s", r.out);
  proc_result_free(&r);
}

/* A private cache and TMPDIR under the test's scratch directory; PATH with `bin_dir` first if
 * given (a fake compiler). */
static void set_env(const char *bin_dir) {
  snprintf(cache_dir, sizeof cache_dir, "%s/cache", scratch);
  snprintf(tmp_dir, sizeof tmp_dir, "%s/tmp", scratch);
  cr_assert_eq(mkdir(tmp_dir, 0700), 0);
  snprintf(cache_env, sizeof cache_env, "WASMAOT_CACHE=%s", cache_dir);
  snprintf(tmp_env, sizeof tmp_env, "TMPDIR=%s", tmp_dir);
  snprintf(path_env, sizeof path_env, "PATH=%s%s%s", bin_dir ? bin_dir : "", bin_dir ? ":" : "",
           getenv("PATH"));
  envp[0] = cache_env, envp[1] = tmp_env, envp[2] = path_env, envp[3] = NULL;
}

static const char *cpu_hash(void) {
  static char in[600];
  snprintf(in, sizeof in, "%s/cpu-hash.wasm", WORKLOAD_DIR);
  return in;
}

static struct proc_result run_v(const char *in, const char *tier) {
  char *with_tier[] = {WASMAOT, "run", "-v", "--tier", (char *)tier, (char *)in, "--", "500", NULL};
  char *plain[] = {WASMAOT, "run", "-v", (char *)in, "--", "500", NULL};
  return proc_run(tier ? with_tier : plain, envp, 180);
}

/* The text of every KEY.log in the cache (the background builds' logs), concatenated. */
static void read_logs(char *buf, size_t len) {
  buf[0] = 0;
  DIR *d = opendir(cache_dir);
  struct dirent *e;
  size_t used = 0;
  while (d && (e = readdir(d))) {
    size_t n = strlen(e->d_name);
    if (n < 4 || strcmp(e->d_name + n - 4, ".log") != 0)
      continue;
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", cache_dir, e->d_name);
    FILE *f = fopen(path, "r");
    if (f) {
      used += fread(buf + used, 1, len - 1 - used, f);
      buf[used] = 0;
      fclose(f);
    }
  }
  if (d)
    closedir(d);
}

static int count(const char *text, const char *needle) {
  int n = 0;
  for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
    n++;
  return n;
}

/* Waits (at most 150 s) until the background builds logged `finished` or `failed` `want`
 * times in all; returns the logs. */
static void wait_for_background(char *logs, size_t len, int want) {
  for (int i = 0; i < 1500; i++) {
    read_logs(logs, len);
    if (count(logs, "background build finished") + count(logs, "background build failed") >= want)
      break;
    struct timespec t = {0, 100 * 1000 * 1000};
    nanosleep(&t, NULL);
  }
  /* The log line comes last; the scratch directory goes just before it. */
  struct timespec t = {0, 200 * 1000 * 1000};
  nanosleep(&t, NULL);
  read_logs(logs, len);
}

Test(tiers, build_takes_the_tier) {
  set_env(NULL);
  const char *tiers[] = {"quick", "optimized"};
  char *outputs[2];
  for (int i = 0; i < 2; i++) {
    char out[700];
    snprintf(out, sizeof out, "%s/cpu-hash.%s", scratch, tiers[i]);
    char *build[] = {WASMAOT, "build", "--tier", (char *)tiers[i], (char *)cpu_hash(),
                     "-o",    out,     NULL};
    struct proc_result b = proc_run(build, envp, 180);
    cr_assert_eq(b.status, 0, "build --tier %s: %s", tiers[i], b.err);
    proc_result_free(&b);
    char *run[] = {out, "--", "500", NULL};
    struct proc_result r = proc_run(run, envp, 60);
    cr_assert_eq(r.status, 0, "%s", r.err);
    outputs[i] = strdup(r.out);
    proc_result_free(&r);
  }
  cr_expect_str_eq(outputs[0], outputs[1]);
  cr_expect_gt(strlen(outputs[0]), 10);
  free(outputs[0]), free(outputs[1]);
  /* The quick tier's guest flags are -O0; the optimised tier's are the default's. */
  expect_info_json("quick", "\"opt_level\": 0,");
  cr_expect_eq(count_entries(tmp_dir), 0, "scratch left in TMPDIR");
}

Test(tiers, bad_tier_options_are_one_line_errors) {
  set_env(NULL);
  char out[700];
  snprintf(out, sizeof out, "%s/x", scratch);
  char *bad[][9] = {
      {WASMAOT, "build", "--tier", "fast", (char *)cpu_hash(), "-o", out, NULL},
      {WASMAOT, "build", "--tier", "auto", (char *)cpu_hash(), "-o", out, NULL},
      {WASMAOT, "build", "--tier=quick", "--cc", "gcc", (char *)cpu_hash(), "-o", out, NULL},
      {WASMAOT, "run", "--tier", "optimized", "-O1", (char *)cpu_hash(), NULL},
  };
  const char *want[] = {"expected quick, optimized or auto", "--tier auto is for `wasmaot run`",
                        "do not go together", "do not go together"};
  for (int i = 0; i < 4; i++) {
    struct proc_result r = proc_run(bad[i], envp, 30);
    expect_one_line_error(&r, want[i]);
    proc_result_free(&r);
  }
  cr_expect_eq(count_entries(cache_dir), 0, "something written into the cache");
  cr_expect_eq(access(out, F_OK), -1, "an output was written");
}

Test(tiers, auto_starts_quick_then_later_runs_are_optimized) {
  set_env(NULL);
  struct proc_result first = run_v(cpu_hash(), NULL);
  cr_assert_eq(first.status, 0, "%s", first.err);
  cr_expect(strstr(first.err, "cache miss") != NULL, "%s", first.err);
  cr_expect(strstr(first.err, "wasmaot: tier quick (optimized tier building in the background)") !=
                NULL,
            "%s", first.err);
  static char logs[65536];
  wait_for_background(logs, sizeof logs, 1);
  cr_assert_eq(count(logs, "background build finished"), 1, "logs: %s", logs);
  /* It waited for the program to end before it started compiling. */
  cr_expect_eq(count(logs, "for the program: it ended"), 1, "logs: %s", logs);
  struct proc_result second = run_v(cpu_hash(), NULL);
  cr_assert_eq(second.status, 0, "%s", second.err);
  cr_expect(strstr(second.err, "cache hit") != NULL, "%s", second.err);
  cr_expect(strstr(second.err, "wasmaot: tier optimized") != NULL, "%s", second.err);
  cr_expect_str_eq(second.out, first.out);
  /* The quick entry went when the optimised one landed (the cache now holds the optimised
   * entry and its background build's state: KEY, KEY.lock, KEY.log); --tier quick builds it
   * again. An explicit build says it has no tiers. */
  cr_expect_eq(count_entries(cache_dir), 3, "the quick entry was kept");
  struct proc_result quick = run_v(cpu_hash(), "quick");
  cr_expect(strstr(quick.err, "cache miss") && strstr(quick.err, "wasmaot: tier quick\n"), "%s",
            quick.err);
  cr_expect_str_eq(quick.out, first.out);
  char *explicit_argv[] = {WASMAOT, "run", "-v", "--cc", "gcc", "-O1", (char *)cpu_hash(),
                           "--",    "500", NULL};
  struct proc_result exp = proc_run(explicit_argv, envp, 180);
  cr_expect(strstr(exp.err, "explicit build") != NULL, "%s", exp.err);
  cr_expect_str_eq(exp.out, first.out);
  read_logs(logs, sizeof logs);
  cr_expect_eq(count(logs, "background build of the optimized tier started"), 1, "%s", logs);
  proc_result_free(&first), proc_result_free(&second), proc_result_free(&quick);
  proc_result_free(&exp);
  cr_expect_eq(count_entries(tmp_dir), 0, "scratch left in TMPDIR");
}

Test(tiers, small_module_is_built_optimized_at_once) {
  set_env(NULL);
  char in[600];
  snprintf(in, sizeof in, "%s/hello.wasm", WORKLOAD_DIR);
  char *argv[] = {WASMAOT, "run", "-v", in, NULL};
  struct proc_result r = proc_run(argv, envp, 180);
  cr_expect_eq(r.status, 0, "%s", r.err);
  cr_expect(strstr(r.err, "wasmaot: tier optimized\n") != NULL, "%s", r.err);
  proc_result_free(&r);
  cr_expect_eq(count_entries(cache_dir), 1, "want the one entry, no background state");
}

Test(tiers, concurrent_runs_start_one_background_build) {
  set_env(NULL);
  enum { RUNS = 4 };
  pid_t pids[RUNS];
  for (int i = 0; i < RUNS; i++) {
    pids[i] = fork();
    cr_assert_geq(pids[i], 0);
    if (pids[i] == 0) {
      struct proc_result r = run_v(cpu_hash(), NULL);
      char path[700];
      snprintf(path, sizeof path, "%s/err%d", scratch, i);
      write_file(path, r.err, strlen(r.err), 0600);
      _exit(r.status == 0 && strstr(r.err, "wasmaot: tier ") ? 0 : 1);
    }
  }
  /* One of them builds the quick entry; the others wait for that build (or start after it)
   * and run what it made. */
  int built = 0;
  for (int i = 0; i < RUNS; i++) {
    int status;
    cr_assert_eq(waitpid(pids[i], &status, 0), pids[i]);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "run %d failed", i);
    char path[700], err[16384];
    snprintf(path, sizeof path, "%s/err%d", scratch, i);
    FILE *f = fopen(path, "r");
    cr_assert(f != NULL);
    err[fread(err, 1, sizeof err - 1, f)] = 0;
    fclose(f);
    built += count(err, "cache miss, translating into");
  }
  cr_expect_eq(built, 1, "the quick entry was built %d times by %d concurrent runs", built, RUNS);
  static char logs[65536];
  wait_for_background(logs, sizeof logs, 1);
  cr_expect_eq(count(logs, "background build of the optimized tier started"), 1, "logs: %s", logs);
  cr_expect_eq(count(logs, "background build finished"), 1, "logs: %s", logs);
  struct proc_result after = run_v(cpu_hash(), NULL);
  cr_expect(strstr(after.err, "wasmaot: tier optimized") != NULL, "%s", after.err);
  proc_result_free(&after);
  cr_expect_eq(count_entries(tmp_dir), 0, "scratch left in TMPDIR");
}

/* A compiler that fails the optimised tier's guest compile (-O3) and passes anything else to
 * the real one: the background build fails, the quick entry stays and keeps running. */
Test(tiers, failed_background_build_keeps_quick_and_says_why) {
  char *real = NULL;
  FILE *p = popen("command -v clang-16", "r");
  char found[512] = "";
  if (p && fgets(found, sizeof found, p))
    real = strtok(found, "\n");
  if (p)
    pclose(p);
  if (!real)
    cr_skip_test("needs clang-16 (the default compiler of both tiers)");
  char bin[700], fake[800];
  snprintf(bin, sizeof bin, "%s/bin", scratch);
  cr_assert_eq(mkdir(bin, 0700), 0);
  snprintf(fake, sizeof fake, "%s/clang-16", bin);
  char script[1200];
  int n = snprintf(script, sizeof script,
                   "#!/bin/sh\nfor a; do [ \"$a\" = -O3 ] && { echo 'fake-cc: error: no -O3 "
                   "here' >&2; exit 1; }; done\nexec %s \"$@\"\n",
                   real);
  write_file(fake, script, (size_t)n, 0755);
  set_env(bin);
  struct proc_result first = run_v(cpu_hash(), NULL);
  cr_assert_eq(first.status, 0, "%s", first.err);
  cr_expect(strstr(first.err, "tier quick (optimized tier building in the background)"), "%s",
            first.err);
  static char logs[65536];
  wait_for_background(logs, sizeof logs, 1);
  cr_assert_eq(count(logs, "background build failed"), 1, "logs: %s", logs);
  for (int i = 0; i < 2; i++) {
    struct proc_result again = run_v(cpu_hash(), NULL);
    cr_expect_eq(again.status, 0, "%s", again.err);
    cr_expect(strstr(again.err, "cache hit") != NULL, "%s", again.err);
    cr_expect(strstr(again.err, "wasmaot: tier quick (the optimized build failed: ") != NULL, "%s",
              again.err);
    cr_expect(strstr(again.err, "no -O3 here") != NULL, "%s", again.err);
    cr_expect_str_eq(again.out, first.out);
    proc_result_free(&again);
  }
  read_logs(logs, sizeof logs);
  cr_expect_eq(count(logs, "background build of the optimized tier started"), 1, "retried: %s",
               logs);
  proc_result_free(&first);
  cr_expect_eq(count_entries(tmp_dir), 0, "scratch left in TMPDIR");
}

/* The quick tier's compiler (README, Tiers): tcc when installed, for every module it can take;
 * clang-16 (gcc) -O0 for what it cannot (SIMD here), decided before compiling; -v names it.
 * Each quick build must print what the optimised build of the same module prints. */
static int have_tcc(void) {
  FILE *p = popen("command -v tcc", "r");
  char found[512] = "";
  int ok = p && fgets(found, sizeof found, p) != NULL;
  if (p)
    pclose(p);
  return ok;
}

/* Builds `in` with --tier quick (and `bounds`) and the default optimised tier, runs both with
 * `arg`, and expects the same output; returns the quick build's -v line (caller frees). */
static char *quick_matches_optimized(const char *in, const char *bounds, const char *arg) {
  char quick[700], opt[700];
  snprintf(quick, sizeof quick, "%s/quick-%s", scratch, bounds);
  snprintf(opt, sizeof opt, "%s/opt-%s", scratch, bounds);
  char *bq[] = {WASMAOT,        "build",    "-v", "--tier", "quick", "--bounds",
                (char *)bounds, (char *)in, "-o", quick,    NULL};
  char *bo[] = {WASMAOT, "build", "--bounds", (char *)bounds, (char *)in, "-o", opt, NULL};
  struct proc_result q = proc_run(bq, envp, 180), o = proc_run(bo, envp, 180);
  cr_assert_eq(q.status, 0, "%s: %s", in, q.err);
  cr_assert_eq(o.status, 0, "%s: %s", in, o.err);
  char *rq[] = {quick, (char *)arg, NULL}, *ro[] = {opt, (char *)arg, NULL};
  struct proc_result a = proc_run(rq, envp, 120), b = proc_run(ro, envp, 60);
  cr_expect_eq(a.status, b.status, "%s", in);
  cr_expect_gt(strlen(b.out), 0, "%s printed nothing", in);
  cr_expect_str_eq(a.out, b.out, "%s (--bounds %s): quick and optimized differ", in, bounds);
  /* tcc's objects have no .note.GNU-stack: unless the link says otherwise, ld gives the
   * executable an executable stack. */
  char cmd[800];
  snprintf(cmd, sizeof cmd, "readelf -lW '%s'", quick);
  FILE *p = popen(cmd, "r");
  char line[512];
  int stack_lines = 0;
  while (p && fgets(line, sizeof line, p))
    if (strstr(line, "GNU_STACK")) {
      stack_lines++;
      cr_expect(strstr(line, "RWE") == NULL, "%s: executable stack: %s", in, line);
    }
  if (p)
    pclose(p);
  cr_expect_eq(stack_lines, 1, "%s: no GNU_STACK header (is readelf installed?)", in);
  char *said = strdup(q.err);
  proc_result_free(&q), proc_result_free(&o), proc_result_free(&a), proc_result_free(&b);
  return said;
}

Test(tiers, quick_tier_compiles_with_tcc_and_falls_back_for_simd) {
  if (!have_tcc())
    cr_skip_test("needs tcc (toolchain/deps.sh installs it)");
  set_env(NULL);
  char hello[600], simd[600];
  snprintf(hello, sizeof hello, "%s/hello.wasm", WORKLOAD_DIR);
  snprintf(simd, sizeof simd, "%s/simd-blur.wasm", WORKLOAD_DIR);
  const char *bounds[] = {"guard", "check"};
  for (int i = 0; i < 2; i++) {
    char *said = quick_matches_optimized(cpu_hash(), bounds[i], "300");
    cr_expect(strstr(said, "(tier quick: tcc)") != NULL, "cpu-hash: %s", said);
    free(said);
    said = quick_matches_optimized(hello, bounds[i], NULL);
    cr_expect(strstr(said, "(tier quick: tcc)") != NULL, "hello: %s", said);
    free(said);
  }
  char *said = quick_matches_optimized(simd, "guard", NULL);
  cr_expect(strstr(said, "-O0 (the module uses SIMD, which tcc cannot take)") != NULL, "%s", said);
  cr_expect(strstr(said, "tier quick: tcc") == NULL, "%s", said);
  free(said);
  /* Split into two C files, where wasm2c includes SIMDe from guest-impl.h, not the parts. */
  static char split_env[] = "WASMAOT_SPLIT_MIN_CODE=0";
  char *split_envp[] = {cache_env, tmp_env, path_env, split_env, NULL};
  char split_out[700];
  snprintf(split_out, sizeof split_out, "%s/simd-split", scratch);
  char *split[] = {WASMAOT, "build", "-v", "-j",      "2", "--tier",
                   "quick", simd,    "-o", split_out, NULL};
  struct proc_result sp = proc_run(split, split_envp, 180);
  cr_expect_eq(sp.status, 0, "%s", sp.err);
  cr_expect(strstr(sp.err, "(the module uses SIMD, which tcc cannot take)") != NULL, "%s", sp.err);
  proc_result_free(&sp);
  /* Atomics on a shared memory: no _Atomic in tcc. */
  char atomics[700];
  snprintf(atomics, sizeof atomics, "%s/atomics.wasm", FEATURE_DIR);
  said = quick_matches_optimized(atomics, "guard", NULL);
  cr_expect(strstr(said, "(the module uses atomics or shared memory, which tcc cannot take)"), "%s",
            said);
  free(said);
  /* info --json names tcc as the quick tier's compiler (tools read it). */
  expect_info_json(NULL, "\"quick_tier\": {\"compiler\": \"tcc\"");
  cr_expect_eq(count_entries(tmp_dir), 0, "scratch left in TMPDIR");
}

/* Without tcc (WASMAOT_NO_TCC=1 stands for it missing) the quick tier is clang-16/gcc -O0, and
 * the cache keys differ: a quick build with tcc is not reused for one without. */
Test(tiers, quick_tier_without_tcc_is_clang_or_gcc_O0) {
  set_env(NULL);
  static char no_tcc[] = "WASMAOT_NO_TCC=1";
  char *env2[] = {cache_env, tmp_env, path_env, no_tcc, NULL};
  char *argv[] = {WASMAOT, "run", "-v", "--tier", "quick", (char *)cpu_hash(), "--", "300", NULL};
  struct proc_result a = proc_run(argv, env2, 180);
  cr_assert_eq(a.status, 0, "%s", a.err);
  cr_expect(strstr(a.err, "cache miss") && strstr(a.err, " -O0), largest"), "%s", a.err);
  cr_expect(strstr(a.err, "(tcc)") == NULL, "%s", a.err);
  if (have_tcc()) {
    struct proc_result b = proc_run(argv, envp, 180);
    cr_assert_eq(b.status, 0, "%s", b.err);
    cr_expect(strstr(b.err, "cache miss") && strstr(b.err, "(tcc)"), "%s", b.err);
    cr_expect_str_eq(a.out, b.out);
    proc_result_free(&b);
  }
  proc_result_free(&a);
}

/* Bad input through the quick tier: one line, non-zero, no output, nothing in TMPDIR. */
Test(tiers, quick_tier_bad_input_is_one_line_error) {
  set_env(NULL);
  char bad[700], out[700];
  snprintf(bad, sizeof bad, "%s/bad.wasm", scratch);
  snprintf(out, sizeof out, "%s/bad.out", scratch);
  /* a valid header, then a code section whose body is cut short */
  static const unsigned char bytes[] = {0, 'a', 's', 'm', 1, 0, 0,  0, 1, 4, 1, 0x60,
                                        0, 0,   3,   2,   1, 0, 10, 9, 1, 7, 0, 0x41};
  write_file(bad, bytes, sizeof bytes, 0644);
  char *argv[] = {WASMAOT, "build", "--tier", "quick", bad, "-o", out, NULL};
  struct proc_result r = proc_run(argv, envp, 60);
  expect_one_line_error(&r, "bad.wasm");
  proc_result_free(&r);
  cr_expect_eq(access(out, F_OK), -1, "an output was written");
  cr_expect_eq(count_entries(tmp_dir), 0, "scratch left in TMPDIR");
}

/* tcc is part of the quick entry's cache key: another tcc (here a wrapper on PATH, as an
 * upgraded package would be another file) builds anew, the same one hits. */
Test(tiers, quick_entry_key_includes_tcc) {
  if (!have_tcc())
    cr_skip_test("needs tcc (toolchain/deps.sh installs it)");
  char bin[700], wrapper[800];
  snprintf(bin, sizeof bin, "%s/bin", scratch);
  cr_assert_eq(mkdir(bin, 0700), 0);
  snprintf(wrapper, sizeof wrapper, "%s/tcc", bin);
  FILE *p = popen("command -v tcc", "r");
  char real[512] = "";
  cr_assert(p && fgets(real, sizeof real, p));
  pclose(p);
  real[strcspn(real, "\n")] = 0;
  char script[1200];
  int n = snprintf(script, sizeof script, "#!/bin/sh\nexec %s \"$@\"\n", real);
  write_file(wrapper, script, (size_t)n, 0755);
  char *argv[] = {WASMAOT, "run", "-v", "--tier", "quick", (char *)cpu_hash(), "--", "300", NULL};
  set_env(NULL);
  const char *want[] = {"cache miss", "cache hit"};
  for (int i = 0; i < 2; i++) {
    struct proc_result r = proc_run(argv, envp, 180);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.err, want[i]) != NULL, "run %d: %s", i, r.err);
    proc_result_free(&r);
  }
  snprintf(path_env, sizeof path_env, "PATH=%s:%s", bin, getenv("PATH"));
  struct proc_result w = proc_run(argv, envp, 180);
  cr_expect_eq(w.status, 0, "%s", w.err);
  cr_expect(strstr(w.err, "cache miss") && strstr(w.err, "(tcc)"), "another tcc: %s", w.err);
  proc_result_free(&w);
}
