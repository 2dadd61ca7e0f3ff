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
  char *info_quick[] = {WASMAOT, "info", "--json", "--tier", "quick", NULL};
  struct proc_result q = proc_run(info_quick, envp, 30);
  cr_expect(strstr(q.out, "\"opt_level\": 0,") != NULL, "%s", q.out);
  proc_result_free(&q);
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
