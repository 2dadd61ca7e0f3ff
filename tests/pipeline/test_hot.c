/* In-run tier-up (README, The CLI: tiers; translator/hot_rewrite.h, runtime-support/tierup.c):
 * with tier-up forced early and synchronous (WASMAOT_HOT_THRESHOLD=1 WASMAOT_HOT_SYNC=1, so
 * each function is compiled at its first call, before it goes on), `wasmaot run` of a guest
 * whose hot loop is in a function called 1,000 times
 *  - prints what the same run without tier-up (WASMAOT_HOT=0) prints, and -v says functions
 *    were swapped and that the quick tier counted far fewer ticks than the guest's calls and
 *    iterations (so the calls did go to the hot code, and _start's running loop moved there
 *    at a loop header);
 *  - traps (divide by zero, out-of-bounds load through the guard pages) and proc_exit inside
 *    the hot code end as they do on the quick tier: same status, same stderr line;
 *  - with a hot compiler that cannot run, prints the same, exit 0, -v says the round failed;
 *  - (hot/two_phases.wat, tier-up as in a real run, with a compiler that takes seconds) a
 *    round for a long call that ends meanwhile is given up for the call that runs next;
 *  - (the same guest, a tick threshold never reached) the sampled time alone makes a long
 *    call hot, and it moves to its OSR variant;
 *  - (the same guest) a program ended by SIGTERM or SIGINT while a round compiles dies of that
 *    signal and leaves no directory of its rounds;
 * and nothing is left in $TMPDIR. The guest: hot/hot_loop.wat. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli_util.h"
#include "proc.h"

TestSuite(hot, .init = make_scratch, .fini = remove_scratch, .timeout = 240);

static char tmp_dir[600];
static int case_no;

static const char *guest(void) {
  static char in[700];
  snprintf(in, sizeof in, "%s/hot_loop.wasm", HOT_DIR);
  return in;
}

/* Waits for every background build in cache (their KEY.lock is flock()ed while they run). */
static void wait_for_background(const char *cache) {
  DIR *d = opendir(cache);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    size_t n = strlen(e->d_name);
    if (n < 5 || strcmp(e->d_name + n - 5, ".lock") != 0)
      continue;
    char path[1400];
    snprintf(path, sizeof path, "%s/%s", cache, e->d_name);
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
      flock(fd, LOCK_EX);
      close(fd);
    }
  }
  if (d)
    closedir(d);
}

/* `wasmaot run -v GUEST ARGS...` from an empty cache of its own (so the quick tier runs: the
 * optimised one is not there yet), with tier-up as `hot` says: "off" (WASMAOT_HOT=0),
 * "sync" (threshold 1, synchronous), or "nocc" (sync, with a hot compiler that is missing). */
static struct proc_result run(const char *hot, int nargs) {
  char cache[700], cache_env[800], tmp_env[700], path_env[8192];
  snprintf(cache, sizeof cache, "%s/cache%d", scratch, case_no++);
  snprintf(tmp_dir, sizeof tmp_dir, "%s/tmp", scratch);
  mkdir(tmp_dir, 0700);
  snprintf(cache_env, sizeof cache_env, "WASMAOT_CACHE=%s", cache);
  snprintf(tmp_env, sizeof tmp_env, "TMPDIR=%s", tmp_dir);
  snprintf(path_env, sizeof path_env, "PATH=%s", getenv("PATH"));
  char *envp[10] = {cache_env, tmp_env, path_env, "WASMAOT_TIER_UP_MIN_CODE=0"};
  int n = 4;
  if (strcmp(hot, "off") == 0) {
    envp[n++] = "WASMAOT_HOT=0";
  } else {
    envp[n++] = "WASMAOT_HOT_THRESHOLD=1";
    envp[n++] = "WASMAOT_HOT_SYNC=1";
    if (strcmp(hot, "nocc") == 0)
      envp[n++] = "WASMAOT_HOT_CC=/nonexistent/cc";
  }
  envp[n] = NULL;
  char *argv[] = {WASMAOT, "run", "-v", (char *)guest(), "a", "b", "c", NULL};
  argv[4 + nargs] = NULL;
  struct proc_result r = proc_run(argv, envp, 180);
  wait_for_background(cache);
  return r;
}

/* The line of text that starts with prefix ("" if none). */
static const char *line_starting(const char *text, const char *prefix, char *buf, size_t len) {
  const char *at = strstr(text, prefix);
  buf[0] = 0;
  if (at)
    snprintf(buf, len, "%.*s", (int)strcspn(at, "\n"), at);
  return buf;
}

Test(hot, hot_function_swapped_and_output_unchanged) {
  struct proc_result off = run("off", 0), on = run("sync", 0);
  cr_assert_eq(off.status, 0, "%s", off.err);
  cr_assert_eq(on.status, 0, "%s", on.err);
  cr_expect_str_eq(on.out, off.out);
  cr_expect_eq(strlen(on.out), 9); /* 8 hex digits and a newline */
  cr_expect(strstr(on.err, "tier-up round 1 at") != NULL, "%s", on.err);
  cr_expect(strstr(off.err, "tier-up") == NULL, "%s", off.err);
  /* The rounds used the prelude precompiled once (clang-16 is the hot compiler here) and
   * linked with ld themselves (hot_compile.c). */
  cr_expect(strstr(on.err, "tier-up prepared: prelude precompiled in") != NULL, "%s", on.err);
  cr_expect(strstr(on.err, "functions with clang-16 -O1 (prelude precompiled, own link)") != NULL,
            "%s", on.err);
  /* work() alone runs 1,000 calls of >= 100 iterations: the quick tier counts >= 100,000
   * ticks unless the calls after the first went to the hot code. */
  const char *report = strstr(on.err, "wasmaot: tier-up: ");
  cr_assert(report != NULL, "%s", on.err);
  int rounds = 0;
  unsigned swapped = 0;
  unsigned long long ticks = 0;
  cr_assert_eq(sscanf(report, "wasmaot: tier-up: %d rounds, %u functions optimized, %llu ticks",
                      &rounds, &swapped, &ticks),
               3, "%s", report);
  cr_expect_geq(swapped, 1);
  cr_expect_lt(ticks, 1000 * 100 / 2, "%s", report);
  /* and _start's own loop (1,000 iterations, one call) moved to the hot code at a loop header
   * (OSR, translator/hot_osr.h): without it the quick tier counts them all. */
  cr_expect_lt(ticks, 1000, "%s", report);
  proc_result_free(&off), proc_result_free(&on);
  cr_expect_eq(count_entries(tmp_dir), 0, "scratch left in TMPDIR");
}

Test(hot, traps_and_exit_in_hot_code_as_on_the_quick_tier) {
  const char *what[] = {"integer divide by zero", "out of bounds memory access", NULL};
  for (int mode = 1; mode <= 3; mode++) {
    struct proc_result off = run("off", mode), on = run("sync", mode);
    char a[256], b[256];
    cr_expect_eq(on.status, off.status, "mode %d: %s", mode, on.err);
    cr_expect_eq(on.status, mode == 3 ? 7 : 134, "mode %d: %s", mode, on.err);
    cr_expect_str_eq(line_starting(on.err, "wasm trap", a, sizeof a),
                     line_starting(off.err, "wasm trap", b, sizeof b));
    if (what[mode - 1])
      cr_expect(strstr(on.err, what[mode - 1]) != NULL, "mode %d: %s", mode, on.err);
    /* work() was compiled at its first call, long before call 500 */
    cr_expect(strstr(on.err, "tier-up round 1 at") != NULL, "mode %d: %s", mode, on.err);
    cr_expect_str_eq(on.out, off.out);
    proc_result_free(&off), proc_result_free(&on);
  }
  cr_expect_eq(count_entries(tmp_dir), 0, "scratch left in TMPDIR");
}

Test(hot, failed_hot_compile_leaves_the_quick_tier_running) {
  struct proc_result off = run("off", 0), on = run("nocc", 0);
  cr_assert_eq(on.status, 0, "%s", on.err);
  cr_expect_str_eq(on.out, off.out);
  cr_expect(strstr(on.err, "tier-up round 1 failed") != NULL, "%s", on.err);
  cr_expect(strstr(on.err, "0 functions optimized") != NULL, "%s", on.err);
  proc_result_free(&off), proc_result_free(&on);
  cr_expect_eq(count_entries(tmp_dir), 0, "scratch left in TMPDIR");
}

/* `wasmaot run -v` of hot/two_phases.wasm from an empty cache of its own (named by tag): r[0]
 * without tier-up, r[1] with it as in a real run (a thread, not sync) from `threshold` ticks,
 * and `cc_env` (or NULL) for the hot compiler. Both must exit 0. */
static void run_two_phases(const char *tag, const char *threshold, const char *cc_env,
                           struct proc_result r[2]) {
  char cache[800], cache_env[900], tmp_env[700], path_env[8192], in[700], thr_env[64];
  snprintf(tmp_dir, sizeof tmp_dir, "%s/tmp", scratch);
  mkdir(tmp_dir, 0700);
  snprintf(tmp_env, sizeof tmp_env, "TMPDIR=%s", tmp_dir);
  snprintf(path_env, sizeof path_env, "PATH=%s", getenv("PATH"));
  snprintf(thr_env, sizeof thr_env, "WASMAOT_HOT_THRESHOLD=%s", threshold);
  snprintf(in, sizeof in, "%s/two_phases.wasm", HOT_DIR);
  for (int hot = 0; hot < 2; hot++) {
    snprintf(cache, sizeof cache, "%s/cache-%s-%d", scratch, tag, hot);
    snprintf(cache_env, sizeof cache_env, "WASMAOT_CACHE=%s", cache);
    char *envp[] = {cache_env,
                    tmp_env,
                    path_env,
                    "WASMAOT_TIER_UP_MIN_CODE=0",
                    hot ? thr_env : "WASMAOT_HOT=0",
                    (char *)cc_env,
                    NULL};
    char *argv[] = {WASMAOT, "run", "-v", in, NULL};
    r[hot] = proc_run(argv, envp, 180);
    wait_for_background(cache);
    cr_assert_eq(r[hot].status, 0, "%s", r[hot].err);
  }
  cr_expect_str_eq(r[1].out, r[0].out);
}

/* _start calls $first once (400 M iterations on the quick code: a tenth of a second or more),
 * then $second (2,400 M). Tier-up from 1,000 ticks, with a hot compiler that sleeps for a
 * minute: round 1 takes $first's OSR variant and is still compiling when $first returns, and
 * is given up once $second runs; round 2 takes $second's, and is still compiling when the
 * program ends (the compile is stopped then). */
/* A hot compiler that sleeps for a minute (then fails), named by tag, as WASMAOT_HOT_CC=... */
static void slow_compiler_env(const char *tag, char *env, size_t len) {
  char cc[800];
  snprintf(cc, sizeof cc, "%s/slow-cc-%s", scratch, tag);
  FILE *f = fopen(cc, "w");
  cr_assert(f != NULL);
  fputs("#!/bin/sh\nsleep 60\nexit 1\n", f);
  fclose(f);
  chmod(cc, 0755);
  snprintf(env, len, "WASMAOT_HOT_CC=%s", cc);
}

Test(hot, a_round_gone_cold_is_given_up) {
  char cc_env[900];
  slow_compiler_env("cold", cc_env, sizeof cc_env);
  struct proc_result r[2];
  run_two_phases("cold", "1000", cc_env, r);
  cr_expect(strstr(r[1].err, "tier-up round 1 at") && strstr(r[1].err, "given up after") &&
                strstr(r[1].err, "(functions o0)"),
            "%s", r[1].err);
  cr_expect(strstr(r[1].err, "function 1: ") &&
                strstr(r[1].err, "its OSR variant in the round still compiling"),
            "%s", r[1].err);
  proc_result_free(&r[0]), proc_result_free(&r[1]);
  cr_expect_eq(count_entries(tmp_dir), 0, "scratch left in TMPDIR");
}

/* The tick threshold out of reach (4e9; the guest counts 2,800 M ticks): $second's one call,
 * a second or so on the quick code, gets hot by its samples alone (5 of the guest thread's
 * CPU-time timer, runtime-support/tierup.c) and moves to its OSR variant. */
Test(hot, sampled_time_alone_makes_a_function_hot) {
  struct proc_result r[2];
  run_two_phases("sampled", "4000000000", NULL, r);
  cr_expect(strstr(r[1].err, "tier-up round 1 at") != NULL, "%s", r[1].err);
  cr_expect(strstr(r[1].err, "its running call moved there by OSR") != NULL, "%s", r[1].err);
  proc_result_free(&r[0]), proc_result_free(&r[1]);
  cr_expect_eq(count_entries(tmp_dir), 0, "scratch left in TMPDIR");
}

/* Whether dir holds an entry whose name starts with prefix. */
static int has_entry_starting(const char *dir, const char *prefix) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int found = 0;
  while (d && !found && (e = readdir(d)) != NULL)
    found = strncmp(e->d_name, prefix, strlen(prefix)) == 0;
  if (d)
    closedir(d);
  return found;
}

/* hot/two_phases.wasm on the quick tier with a hot compiler that sleeps: once a round's
 * directory is in $TMPDIR (the round compiling), the program gets sig. It dies of it, and the
 * round's directory goes (the runtime's handler, and the stopped compile's own clean-up). */
static void stop_during_a_round(int sig, const char *tag) {
  char cc_env[900], cache[800], cache_env[900], tmp_env[700], path_env[8192], in[700];
  slow_compiler_env(tag, cc_env, sizeof cc_env);
  snprintf(tmp_dir, sizeof tmp_dir, "%s/tmp-%s", scratch, tag);
  mkdir(tmp_dir, 0700);
  snprintf(tmp_env, sizeof tmp_env, "TMPDIR=%s", tmp_dir);
  snprintf(path_env, sizeof path_env, "PATH=%s", getenv("PATH"));
  snprintf(cache, sizeof cache, "%s/cache-%s", scratch, tag);
  snprintf(cache_env, sizeof cache_env, "WASMAOT_CACHE=%s", cache);
  snprintf(in, sizeof in, "%s/two_phases.wasm", HOT_DIR);
  char *envp[] = {
      cache_env, tmp_env, path_env, "WASMAOT_TIER_UP_MIN_CODE=0", "WASMAOT_HOT_THRESHOLD=1000",
      cc_env,    NULL};
  char *argv[] = {WASMAOT, "run", "--tier", "quick", in, NULL};
  pid_t pid = fork();
  cr_assert(pid >= 0);
  if (pid == 0) {
    int null_fd = open("/dev/null", O_RDWR);
    dup2(null_fd, 1), dup2(null_fd, 2);
    execve(WASMAOT, argv, envp);
    _exit(127);
  }
  int seen = 0;
  for (int i = 0; i < 3000 && !seen; i++) { /* up to 30 s: the quick build first */
    seen = has_entry_starting(tmp_dir, "wasmaot-hot-");
    if (!seen)
      usleep(10000);
  }
  cr_expect(seen, "no tier-up round seen under way");
  kill(pid, sig);
  int status = 0;
  waitpid(pid, &status, 0);
  cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == sig, "status %#x", status);
  /* the stopped compile removes its own files (PR_SET_PDEATHSIG): give it a moment */
  for (int i = 0; i < 300 && count_entries(tmp_dir) != 0; i++)
    usleep(10000);
  cr_expect_eq(count_entries(tmp_dir), 0, "a round's directory left in TMPDIR after signal %d",
               sig);
}

Test(hot, a_program_stopped_during_a_round_leaves_nothing) {
  stop_during_a_round(SIGTERM, "term");
  stop_during_a_round(SIGINT, "int");
}
