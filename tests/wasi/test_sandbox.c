/* The sandbox, checked from the host: sandbox_guest.c's scenarios run against a fresh fixture
 *
 *   WORK/sandbox/          pre-opened as /sandbox (the guest's fd 3)
 *     sub/file             "inside\n"
 *     out_rel -> ../outside            out_abs -> WORK/outside (absolute)
 *     in_link -> sub                   in_dotdot -> sub/../sub/file
 *     chain -> in_link/../out_rel
 *   WORK/outside/canary    "canary\n", and WORK/outside/dir/
 *
 * in four configurations: the default build and the ASan+UBSan build (`wasmaot build
 * --sanitize`), each resolving paths with openat2 and with the openat/O_NOFOLLOW walk
 * (WASMAOT_FORCE_PATH_WALK=1). Each run must exit 0 with no "FAIL" line and no sanitizer
 * report, and everything in WORK but sandbox/ must be exactly as before: names, types, sizes,
 * link counts, mtimes, ctimes, contents. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

extern char **environ;

struct config {
  const char *name;
  const char *exe;
  bool path_walk;
};
static const struct config configs[] = {
    {"default", GUEST_AOT, false},
    {"default+walk", GUEST_AOT, true},
    {"sanitize", GUEST_SAN, false},
    {"sanitize+walk", GUEST_SAN, true},
};

/* snprintf into a path buffer; a path that does not fit fails the test. */
#define JOIN(buf, ...)                                                                             \
  cr_assert(snprintf(buf, sizeof buf, __VA_ARGS__) < (int)sizeof buf, "path too long")

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static void write_file(const char *path, const char *content) {
  FILE *f = fopen(path, "w");
  cr_assert(f, "cannot create %s: %s", path, strerror(errno));
  fputs(content, f);
  fclose(f);
}

static void make_fixture(const char *work) {
  char p[PATH_MAX], target[PATH_MAX];
  nftw(work, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  cr_assert_eq(mkdir(work, 0755), 0, "mkdir %s: %s", work, strerror(errno));
  const char *dirs[] = {"sandbox", "sandbox/sub", "outside", "outside/dir"};
  for (size_t i = 0; i < 4; i++) {
    JOIN(p, "%s/%s", work, dirs[i]);
    cr_assert_eq(mkdir(p, 0755), 0);
  }
  JOIN(p, "%s/sandbox/sub/file", work);
  write_file(p, "inside\n");
  JOIN(p, "%s/outside/canary", work);
  write_file(p, "canary\n");
  JOIN(target, "%s/outside", work);
  const char *links[][2] = {{"out_rel", "../outside"},
                            {"out_abs", target},
                            {"in_link", "sub"},
                            {"in_dotdot", "sub/../sub/file"},
                            {"chain", "in_link/../out_rel"}};
  for (size_t i = 0; i < 5; i++) {
    JOIN(p, "%s/sandbox/%s", work, links[i][0]);
    cr_assert_eq(symlink(links[i][1], p), 0);
  }
}

/* Appends one line per entry under dir (sorted, recursive, not following links), skipping
 * `skip` at the top level. */
static void snapshot_dir(FILE *out, const char *dir, const char *rel, const char *skip) {
  struct dirent **names;
  int n = scandir(dir, &names, NULL, alphasort);
  cr_assert(n >= 0, "scandir %s: %s", dir, strerror(errno));
  for (int i = 0; i < n; i++) {
    const char *name = names[i]->d_name;
    char path[PATH_MAX], sub[PATH_MAX];
    JOIN(path, "%s/%s", dir, name);
    JOIN(sub, "%s%s", rel, name);
    struct stat st;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || (skip && strcmp(name, skip) == 0) ||
        lstat(path, &st) != 0) {
      free(names[i]);
      continue;
    }
    fprintf(out, "%s mode=%o nlink=%lu size=%lld mtime=%lld.%09ld ctime=%lld.%09ld", sub,
            st.st_mode, (unsigned long)st.st_nlink, (long long)st.st_size,
            (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec,
            st.st_ctim.tv_nsec);
    if (S_ISREG(st.st_mode)) {
      char data[256] = {0};
      FILE *f = fopen(path, "r");
      if (f) {
        fread(data, 1, sizeof data - 1, f);
        fclose(f);
      }
      fprintf(out, " data=%s", data);
    }
    fputc('\n', out);
    if (S_ISDIR(st.st_mode)) {
      strncat(sub, "/", sizeof sub - strlen(sub) - 1);
      snapshot_dir(out, path, sub, NULL);
    }
    free(names[i]);
  }
  free(names);
}

/* Everything in work except the sandbox itself. */
static char *snapshot_outside(const char *work) {
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  snapshot_dir(out, work, "", "sandbox");
  fclose(out);
  return buf;
}

static char **environment(bool path_walk) {
  size_t n = 0;
  while (environ[n])
    n++;
  char **env = calloc(n + 2, sizeof *env);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (strncmp(environ[i], "WASMAOT_FORCE_PATH_WALK=", 24) != 0)
      env[k++] = environ[i];
  if (path_walk)
    env[k++] = "WASMAOT_FORCE_PATH_WALK=1";
  return env;
}

/* Runs one scenario in every configuration; `expect_out` must appear in stdout if given. */
static void run_scenario(const char *scenario, const char *expect_out) {
  for (size_t c = 0; c < sizeof configs / sizeof configs[0]; c++) {
    const struct config *cfg = &configs[c];
    char work[PATH_MAX], dir_opt[PATH_MAX + 32];
    JOIN(work, "%s/sandbox-%s-%s", TEST_TMP_DIR, scenario, cfg->name);
    make_fixture(work);
    char *before = snapshot_outside(work);
    JOIN(dir_opt, "%s/sandbox::/sandbox", work);
    /* One variable, so environ_get has something to write. */
    char *argv[] = {(char *)cfg->exe, "--dir", dir_opt,          "--env",
                    "SANDBOX=1",      "--",    (char *)scenario, NULL};
    char **env = environment(cfg->path_walk);
    struct proc_result r = proc_run(argv, env, 120);
    cr_expect_eq(r.status, 0, "%s [%s]: exit %d\n--- stdout\n%s--- stderr\n%s", scenario, cfg->name,
                 r.status, r.out, r.err);
    cr_expect(strstr(r.out, "FAIL") == NULL, "%s [%s]:\n%s", scenario, cfg->name, r.out);
    cr_expect(strstr(r.out, " failures\n") != NULL, "%s [%s]: no summary line:\n%s%s", scenario,
              cfg->name, r.out, r.err);
    cr_expect(strstr(r.out, "must not appear") == NULL, "%s [%s]: a bad iovec was written",
              scenario, cfg->name);
    cr_expect(strstr(r.err, "Sanitizer") == NULL && strstr(r.err, "runtime error") == NULL,
              "%s [%s]: sanitizer report:\n%s", scenario, cfg->name, r.err);
    if (expect_out)
      cr_expect(strstr(r.out, expect_out) != NULL, "%s [%s]: want %s in\n%s", scenario, cfg->name,
                expect_out, r.out);
    char *after = snapshot_outside(work);
    cr_expect_str_eq(after, before, "%s [%s]: the host outside the preopen changed", scenario,
                     cfg->name);
    free(before);
    free(after);
    free(env);
    proc_result_free(&r);
    nftw(work, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  }
}

Test(sandbox, dotdot_escapes) {
  run_scenario("dotdot", NULL);
}
Test(sandbox, absolute_paths) {
  run_scenario("absolute", NULL);
}
Test(sandbox, symlinks_inside_and_out) {
  run_scenario("symlinks", NULL);
}
Test(sandbox, symlink_loops) {
  run_scenario("loops", NULL);
}
Test(sandbox, bad_pointers_and_lengths) {
  run_scenario("memory", NULL);
}
Test(sandbox, fd_exhaustion) {
  run_scenario("emfile", NULL);
}
Test(sandbox, closing_preopens) {
  run_scenario("preopens", NULL);
}
Test(sandbox, fd_renumber_edges) {
  run_scenario("renumber", "via renumbered stdout\n");
}
Test(sandbox, outputs_all_checked_before_any_is_written) {
  run_scenario("outputs", NULL);
}

/* ---- Host stdio is a stream, and the guest's flags on it stay the guest's --------------------

 * The guest runs with stdin an empty pipe (the test keeps its write end open, so a read would
 * block), stdout a log file opened O_APPEND with a line already in it (as `>> log`), stderr a
 * pipe. It tries every file operation on 0-2, clears APPEND and sets NONBLOCK on all three and
 * exits. The host's own descriptions of the three must have the same F_GETFL flags as before,
 * and the log must still start with its line, with the guest's output appended and its times
 * not set by the guest. */

/* Waits up to timeout_s for pid; its exit code, 128+signal, or -1 after killing it. */
static int wait_child(pid_t pid, int timeout_s) {
  int status;
  for (int i = 0; i < timeout_s * 100; i++) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    usleep(10000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

static char *read_all(int fd) {
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  char chunk[4096];
  ssize_t n;
  while ((n = read(fd, chunk, sizeof chunk)) > 0)
    fwrite(chunk, 1, (size_t)n, out);
  fclose(out);
  return buf;
}

Test(sandbox, stdio_is_a_stream_and_keeps_host_flags) {
  static const char host_line[] = "a line the host wrote\n";
  const struct config *cfgs[] = {&configs[0], &configs[2]}; /* path resolution is not involved */
  for (size_t c = 0; c < 2; c++) {
    const struct config *cfg = cfgs[c];
    char work[PATH_MAX], dir_opt[PATH_MAX + 32], log_path[PATH_MAX];
    JOIN(work, "%s/sandbox-stdio-%s", TEST_TMP_DIR, cfg->name);
    make_fixture(work);
    JOIN(log_path, "%s/outside/log.txt", work);
    write_file(log_path, host_line);
    /* Old times the guest could only reproduce by setting them. */
    struct timespec old[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
    cr_assert_eq(utimensat(AT_FDCWD, log_path, old, 0), 0);
    int log = open(log_path, O_WRONLY | O_APPEND | O_CLOEXEC);
    int in[2], err[2];
    cr_assert(log >= 0 && pipe2(in, O_CLOEXEC) == 0 && pipe2(err, O_CLOEXEC) == 0);
    int held[3] = {in[0], log, err[1]}, before[3];
    for (int i = 0; i < 3; i++)
      before[i] = fcntl(held[i], F_GETFL);
    JOIN(dir_opt, "%s/sandbox::/sandbox", work);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
      dup2(in[0], 0);
      dup2(log, 1);
      dup2(err[1], 2);
      char *argv[] = {(char *)cfg->exe, "--dir", dir_opt, "--", "stdio", NULL};
      execv(argv[0], argv);
      _exit(127);
    }
    int status = wait_child(pid, 120);
    for (int i = 0; i < 3; i++)
      cr_expect_eq(fcntl(held[i], F_GETFL), before[i],
                   "stdio [%s]: the host's fd %d flags changed: %#o, were %#o", cfg->name, i,
                   fcntl(held[i], F_GETFL), before[i]);
    close(err[1]);
    char *errors = read_all(err[0]);
    struct stat st; /* before reading it, which may move its atime */
    cr_assert_eq(stat(log_path, &st), 0);
    FILE *f = fopen(log_path, "r");
    cr_assert(f);
    char *out = read_all(fileno(f));
    fclose(f);
    cr_expect_eq(status, 0, "stdio [%s]: exit %d\n--- log\n%s--- stderr\n%s", cfg->name, status,
                 out, errors);
    cr_expect(strncmp(out, host_line, strlen(host_line)) == 0,
              "stdio [%s]: the host's line is gone (truncated or overwritten):\n%s", cfg->name,
              out);
    cr_expect(strstr(out, "FAIL") == NULL && strstr(out, "0 failures\n") != NULL, "stdio [%s]:\n%s",
              cfg->name, out);
    cr_expect(strstr(out, "stdout still appends\n") != NULL, "stdio [%s]:\n%s", cfg->name, out);
    cr_expect(strstr(out, "must not land") == NULL, "stdio [%s]: pwrite landed", cfg->name);
    cr_expect(st.st_atim.tv_sec == 1000000000 && st.st_mtim.tv_sec > 1000000000,
              "stdio [%s]: times set by the guest: atime %lld mtime %lld", cfg->name,
              (long long)st.st_atim.tv_sec, (long long)st.st_mtim.tv_sec);
    cr_expect(strstr(errors, "Sanitizer") == NULL && strstr(errors, "runtime error") == NULL,
              "stdio [%s]: sanitizer report:\n%s", cfg->name, errors);
    free(errors);
    free(out);
    close(log);
    close(in[0]);
    close(in[1]);
    close(err[0]);
    nftw(work, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  }
}
