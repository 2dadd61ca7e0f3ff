/* An interrupted build leaves nothing running and nothing behind: `wasmaot build` or `run`
 * killed by SIGTERM, SIGINT or SIGHUP while its compilers run stops them, removes its scratch
 * directory ($TMPDIR/wasmaot-*) and writes no output or cache entry; and a compile that fails
 * stops the others running beside it. The compiler is a `gcc` first on PATH that records its
 * pid and sleeps, so the test knows exactly which processes must be gone. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli_util.h"
#include "proc.h"

TestSuite(interrupt, .init = make_scratch, .fini = remove_scratch, .timeout = 120);

static char bin_dir[600], tmp_dir[600], cache_dir[600], pid_file[600], out_path[600];
static char path_env[8192], tmp_env[700], cache_env[700], split_env[64] = "WASMAOT_SPLIT_MIN_CODE=";
static char *envp[] = {path_env, tmp_env, cache_env, split_env, NULL};

/* A fake `gcc` on PATH: records its pid, then (for a C file named by fail_on) fails with a
 * message, or else sleeps 30 s in its own place (exec keeps the pid). */
static void fake_compiler(const char *fail_on) {
  snprintf(bin_dir, sizeof bin_dir, "%s/bin", scratch);
  snprintf(tmp_dir, sizeof tmp_dir, "%s/tmp", scratch);
  snprintf(cache_dir, sizeof cache_dir, "%s/cache", scratch);
  snprintf(pid_file, sizeof pid_file, "%s/pids", scratch);
  snprintf(out_path, sizeof out_path, "%s/out", scratch);
  cr_assert_eq(mkdir(bin_dir, 0755), 0);
  cr_assert_eq(mkdir(tmp_dir, 0700), 0);
  char script[4096], gcc[700];
  snprintf(script, sizeof script,
           "#!/bin/sh\n"
           "echo $$ >> '%s'\n"
           "case \"$*\" in *%s*) echo 'fake.c:1: error: made to fail' >&2; exit 1;; esac\n"
           "exec sleep 30\n",
           pid_file, fail_on ? fail_on : "NO_SUCH_FILE_EVER");
  snprintf(gcc, sizeof gcc, "%s/gcc", bin_dir);
  write_file(gcc, script, strlen(script), 0755);
  snprintf(path_env, sizeof path_env, "PATH=%s:%s", bin_dir, getenv("PATH"));
  snprintf(tmp_env, sizeof tmp_env, "TMPDIR=%s", tmp_dir);
  snprintf(cache_env, sizeof cache_env, "WASMAOT_CACHE=%s", cache_dir);
}

/* argv with the environment env, stdio on /dev/null. */
static pid_t start_with(char *const argv[], char *const env[]) {
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0), dup2(null, 1), dup2(null, 2);
    execve(argv[0], argv, env);
    _exit(127);
  }
  return pid;
}

static pid_t start(char *const argv[]) {
  return start_with(argv, envp);
}

/* The pids the fake compiler wrote, once at least `want` are there (up to 60 s). */
static int wait_for_compilers(int want, pid_t *pids, int max) {
  for (int tick = 0; tick < 600; tick++) {
    FILE *f = fopen(pid_file, "r");
    int n = 0;
    long p;
    while (f && n < max && fscanf(f, "%ld", &p) == 1)
      pids[n++] = (pid_t)p;
    if (f)
      fclose(f);
    if (n >= want)
      return n;
    usleep(100000);
  }
  cr_assert_fail("the compiler never started (want %d)", want);
  return 0;
}

/* wasmaot's status, waiting up to 20 s (then killing it: a failure). */
static int wait_status(pid_t pid) {
  int status;
  for (int tick = 0; tick < 200; tick++) {
    if (waitpid(pid, &status, WNOHANG) == pid)
      return status;
    usleep(100000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  cr_assert_fail("wasmaot did not end within 20 s");
  return 0;
}

static void expect_gone(const pid_t *pids, int n) {
  for (int i = 0; i < n; i++) {
    int alive = 1;
    for (int tick = 0; tick < 20 && alive; tick++) { /* a short grace: up to 2 s */
      alive = kill(pids[i], 0) == 0;
      if (alive)
        usleep(100000);
    }
    cr_expect(!alive, "compiler (pid %d) still running", (int)pids[i]);
    if (alive)
      kill(pids[i], SIGKILL);
  }
}

static void expect_nothing_left(void) {
  cr_expect_eq(count_entries(tmp_dir), 0, "scratch directory left in TMPDIR");
  cr_expect_neq(access(out_path, F_OK), 0, "output written");
  cr_expect_eq(count_entries(cache_dir), 0, "cache entry written");
  /* bin/, tmp/, the pid file, and the cache directory if `run` made it: nothing else */
  cr_expect_leq(count_entries(scratch), 4, "temporary files next to the output");
}

static void interrupt(const char *command, int sig) {
  fake_compiler(NULL);
  char module[600];
  snprintf(module, sizeof module, "%s/hello.wasm", WORKLOAD_DIR);
  char *build[] = {WASMAOT, "build", "--cc", "gcc", "-j", "2", module, "-o", out_path, NULL};
  char *run[] = {WASMAOT, "run", "--cc", "gcc", "-j", "2", module, NULL};
  pid_t w = start(strcmp(command, "build") == 0 ? build : run);
  pid_t pids[8];
  /* -j 2: the guest and the host main compile at once; wait for both */
  int n = wait_for_compilers(2, pids, 8);
  cr_assert_eq(kill(w, sig), 0);
  int status = wait_status(w);
  cr_expect((WIFSIGNALED(status) && WTERMSIG(status) == sig) ||
                (WIFEXITED(status) && WEXITSTATUS(status) != 0),
            "wasmaot %s ended with status %#x after signal %d", command, status, sig);
  expect_gone(pids, n);
  expect_nothing_left();
}

Test(interrupt, build_sigterm) {
  interrupt("build", SIGTERM);
}
Test(interrupt, build_sigint) {
  interrupt("build", SIGINT);
}
Test(interrupt, build_sighup) {
  interrupt("build", SIGHUP);
}
Test(interrupt, run_sigterm) {
  interrupt("run", SIGTERM);
}

/* A module split into three C files, -j 3: guest_1.c fails at once while guest_0.c and
 * guest_2.c sleep; the build must fail with that error within seconds and stop the others. */
Test(interrupt, failed_compile_stops_the_others) {
  fake_compiler("guest_1.c");
  snprintf(split_env, sizeof split_env, "WASMAOT_SPLIT_MIN_CODE=0");
  char module[600];
  snprintf(module, sizeof module, "%s/cpu-hash.wasm", WORKLOAD_DIR);
  char *argv[] = {WASMAOT, "build", "--cc", "gcc", "-j", "3", module, "-o", out_path, NULL};
  time_t t0 = time(NULL);
  struct proc_result r = proc_run(argv, envp, 60);
  expect_one_line_error(&r, "C compiler failed: fake.c:1: error: made to fail");
  proc_result_free(&r);
  cr_expect_lt(time(NULL) - t0, 20, "the build waited for the other compilers");
  pid_t pids[8];
  int n = wait_for_compilers(1, pids, 8);
  expect_gone(pids, n);
  expect_nothing_left();
}

/* A SIGTERM at any moment of a split quick build (wasm2c, the c_rewrite workers, tcc, the
 * link, the rename, after): every delay from 0 to 600 ms, and each time no scratch is left, no
 * temporary file beside the output, and an output only if it was whole (it runs). cpu-hash's
 * rewrite takes milliseconds, so a signal seldom lands while its workers run (the handler
 * stops them before removing the scratch directory they write in: that window is not reliably
 * hit here). */
Test(interrupt, sigterm_at_any_moment_of_a_split_build) {
  fake_compiler(NULL);
  snprintf(split_env, sizeof split_env, "WASMAOT_SPLIT_MIN_CODE=0");
  char module[600];
  snprintf(module, sizeof module, "%s/cpu-hash.wasm", WORKLOAD_DIR);
  char *argv[] = {WASMAOT, "build", "--tier", "quick", "-j", "2", module, "-o", out_path, NULL};
  for (int delay_ms = 0; delay_ms <= 600; delay_ms += 15) {
    pid_t w = start(argv);
    usleep((useconds_t)delay_ms * 1000);
    kill(w, SIGTERM);
    wait_status(w); /* the signal, or exit 0 if the build was done first */
    cr_expect_eq(count_entries(tmp_dir), 0, "scratch left in TMPDIR after SIGTERM at %d ms",
                 delay_ms);
    /* An output is there only if the build had renamed it into place (whole) before the
     * signal, and then it runs; nothing else beside it (no OUT.wasmaot-tmp-*): bin/, tmp/. */
    int has_out = access(out_path, F_OK) == 0;
    cr_expect_eq(count_entries(scratch), 2 + has_out,
                 "temporary files next to the output after SIGTERM at %d ms", delay_ms);
    if (has_out) {
      char *run_out[] = {out_path, "--", "1000", NULL};
      struct proc_result r = proc_run(run_out, envp, 60);
      cr_expect_eq(r.status, 0, "the output left by a build SIGTERMed at %d ms does not run",
                   delay_ms);
      proc_result_free(&r);
      unlink(out_path);
    }
  }
}

/* The cache after a SIGTERMed `run`: no temporary (KEY.wasmaot-tmp-*, KEY.hot.wasmaot-tmp-*)
 * and no executable (a 64-hex-digit name) without its tier-up store beside it; then emptied. */
static void expect_cache_whole_and_empty_it(int delay_ms) {
  DIR *d = opendir(cache_dir);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    if (e->d_name[0] == '.')
      continue;
    char path[1400], store[1500];
    snprintf(path, sizeof path, "%s/%s", cache_dir, e->d_name);
    cr_expect(strstr(e->d_name, ".wasmaot-tmp-") == NULL, "%s left after SIGTERM at %d ms",
              e->d_name, delay_ms);
    if (strlen(e->d_name) == 64 && strspn(e->d_name, "0123456789abcdef") == 64) {
      snprintf(store, sizeof store, "%s.hot", path);
      cr_expect_eq(access(store, F_OK), 0, "an entry without its store after SIGTERM at %d ms",
                   delay_ms);
    }
  }
  if (d)
    closedir(d);
  d = opendir(cache_dir);
  while (d && (e = readdir(d))) {
    char path[1400];
    snprintf(path, sizeof path, "%s/%s", cache_dir, e->d_name);
    if (e->d_name[0] != '.')
      unlink(path);
  }
  if (d)
    closedir(d);
}

/* The same through `wasmaot run --tier quick` with in-run tier-up (the instrumented parts and
 * the tier-up store written beside the entry, then the program). At every delay from 0 to
 * 600 ms, from an empty cache: no scratch left, and the cache as
 * expect_cache_whole_and_empty_it says. */
Test(interrupt, sigterm_at_any_moment_of_a_run_with_tier_up) {
  fake_compiler(NULL);
  snprintf(split_env, sizeof split_env, "WASMAOT_SPLIT_MIN_CODE=0");
  char module[600];
  snprintf(module, sizeof module, "%s/cpu-hash.wasm", WORKLOAD_DIR);
  char *argv[] = {WASMAOT, "run", "--tier", "quick", "-j", "2", module, "--", "1000", NULL};
  char *run_envp[] = {path_env, tmp_env, cache_env, split_env, "WASMAOT_TIER_UP_MIN_CODE=0", NULL};
  for (int delay_ms = 0; delay_ms <= 600; delay_ms += 15) {
    pid_t w = start_with(argv, run_envp);
    usleep((useconds_t)delay_ms * 1000);
    kill(w, SIGTERM);
    wait_status(w);
    cr_expect_eq(count_entries(tmp_dir), 0, "scratch left in TMPDIR after SIGTERM at %d ms",
                 delay_ms);
    expect_cache_whole_and_empty_it(delay_ms);
  }
}
