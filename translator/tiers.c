/* Tiers in `wasmaot run`. See tiers.h and README, The CLI: tiers.
 *
 * The quick and the optimised builds are separate cache entries (their options, part of the
 * key, differ). Beside the optimised entry KEY, the background build keeps its state:
 *   KEY.lock    flock()ed by the one build of KEY while it runs: the background build, or a
 *               foreground one (then other runs wait for it rather than build it again);
 *   KEY.log     what background builds of KEY said (appended), for a human;
 *   KEY.failed  the one-line reason a background build of KEY failed; while it exists, auto
 *               runs the quick entry and does not try again (-v says why).
 * The optimised build renames its executable over KEY only when it is complete, as every
 * build does, so a run sees either no entry or a whole one. */
#define _GNU_SOURCE
#include "tiers.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "error.h"
#include "spawn.h"
#include "wasm_module.h"

#ifndef WASMAOT_VERSION
#define WASMAOT_VERSION "0.0.0"
#endif

/* How much nicer than the foreground the background build runs, and how long it waits at most
 * for the program of the run that started it to end ($WASMAOT_TIER_UP_WAIT overrides). */
enum { BACKGROUND_NICE = 10, WAIT_FOR_PROGRAM_S = 10 };

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The cache entry of the module built with o: dir/sha256(module, options, toolchain, version). */
static int entry_path(const struct build_options *o, const uint8_t *bytes, size_t len,
                      const char *dir, char *path, size_t pathlen, char *err, size_t errlen) {
  char opts[256], tools[8192];
  build_options_describe(o, opts, sizeof opts);
  if (pipeline_toolchain_identity(o, tools, sizeof tools, err, errlen) != 0)
    return -1;
  const char *version = "wasmaot " WASMAOT_VERSION;
  const void *parts[] = {bytes, opts, tools, version};
  const size_t lens[] = {len, strlen(opts), strlen(tools), strlen(version)};
  char key[65];
  cache_key(parts, lens, 4, key);
  int n = snprintf(path, pathlen, "%s/%s", dir, key);
  if (n < 0 || (size_t)n >= pathlen)
    return set_error(err, errlen, "cache directory path too long");
  return 0;
}

/* 1 if the entry at path is there to run, 0 if not, -1 with err if it must not be run. */
static int entry_ready(const char *path, char *err, size_t errlen) {
  int state = cache_entry_state(path, err, errlen);
  return state < 0 ? -1 : state && access(path, X_OK) == 0;
}

/* The entry at path, built with o on a miss. */
static int use_or_build(const char *in_path, const uint8_t *bytes, size_t len,
                        const struct build_options *o, const char *path, int verbose, char *err,
                        size_t errlen) {
  int ready = entry_ready(path, err, errlen);
  if (ready < 0)
    return -1;
  if (ready) {
    if (verbose)
      fprintf(stderr, "wasmaot: cache hit %s\n", path);
    return 0;
  }
  /* One build per entry: concurrent runs of the same module wait for the first one's build
   * (holding KEY.lock, which the background build of KEY holds too) instead of each compiling
   * it, then find the entry there. Without the lock (a read-only cache), build anyway. */
  char lock_path[PATH_MAX + 16];
  snprintf(lock_path, sizeof lock_path, "%s.lock", path);
  int lock = open(lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) != 0) {
    if (verbose)
      fprintf(stderr, "wasmaot: cache miss, waiting for another run's build of %s\n", path);
    while (flock(lock, LOCK_EX) != 0 && errno == EINTR)
      ;
    ready = entry_ready(path, err, errlen);
    if (ready != 0) {
      close(lock);
      if (ready > 0 && verbose)
        fprintf(stderr, "wasmaot: cache hit %s\n", path);
      return ready > 0 ? 0 : -1;
    }
  }
  if (verbose)
    fprintf(stderr, "wasmaot: cache miss, translating into %s\n", path);
  double t0 = now_seconds();
  /* The lock file goes with the build, however it ends (an interrupted or failed build leaves
   * nothing in the cache): runs waiting on it then find the entry, or build it themselves;
   * later ones look at the entry first. */
  if (lock >= 0)
    pipeline_remove_at_end(lock_path);
  int rc = pipeline_build(in_path, bytes, len, path, o, err, errlen);
  if (lock >= 0) { /* (a build that failed before its scratch directory removed nothing) */
    pipeline_remove_at_end(NULL);
    unlink(lock_path);
    close(lock);
  }
  if (rc != 0)
    return -1;
  if (verbose)
    fprintf(stderr, "wasmaot: built in %.2f s (%s), largest build process %ld MiB\n",
            now_seconds() - t0, pipeline_last_guest_compiler(),
            (spawn_peak_rss_kib() + 1023) / 1024);
  return 0;
}

/* The first line of a failed background build's record, or "" if there is none. */
static void read_failure(const char *failed_path, char *why, size_t whylen) {
  why[0] = 0;
  int fd = open(failed_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return;
  ssize_t n = read(fd, why, whylen - 1);
  close(fd);
  why[n > 0 ? n : 0] = 0;
  why[strcspn(why, "\n")] = 0;
  if (!why[0] && n >= 0)
    snprintf(why, whylen, "no reason recorded");
}

/* Writes the reason a background build failed to failed_path, whole or not at all. */
static void record_failure(const char *failed_path, const char *why) {
  char tmp[PATH_MAX + 96];
  snprintf(tmp, sizeof tmp, "%s.tmp-%ld", failed_path, (long)getpid());
  FILE *f = fopen(tmp, "wx");
  if (!f)
    return;
  int ok = fprintf(f, "%s\n", why) > 0;
  if (fclose(f) != 0 || !ok || rename(tmp, failed_path) != 0)
    unlink(tmp);
}

static void log_line(const char *what, const char *opt_path) {
  char stamp[32];
  time_t t = time(NULL);
  struct tm tm;
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
  fprintf(stderr, "%s wasmaot[%ld]: %s %s\n", stamp, (long)getpid(), what, opt_path);
}

/* Closes every descriptor from 3 up but `a` and `b` (-1: none). */
static void close_all_but(int a, int b) {
  int lo = a < b ? a : b, hi = a < b ? b : a;
  unsigned from = 3;
  for (int keep = 0; keep < 2; keep++) {
    int fd = keep ? hi : lo;
    if (fd < 3)
      continue;
    if ((unsigned)fd > from)
      close_range(from, (unsigned)fd - 1, 0);
    from = (unsigned)fd + 1;
  }
  close_range(from, ~0U, 0);
}

/* In the detached grandchild: the optimised build, niced, stdio to /dev/null and the log;
 * its failure recorded. It starts once the program of the run that started it has ended
 * (program_fd, a pidfd, readable then), or after WAIT_FOR_PROGRAM_S: until then the program
 * and its in-run tier-up's compiles have the cores to themselves (on this 2-core machine two
 * clang -O3 processes, even at nice +10, slowed flite's first run by seconds; README, tiers).
 * Never returns. */
static void background_build(const char *in_path, const uint8_t *bytes, size_t len,
                             const struct build_options *opt, const char *opt_path,
                             const char *quick_path, const char *log_path, const char *failed_path,
                             int lock_fd, int program_fd) {
  /* Nothing inherited stays open but the lock and the pidfd: a caller waiting for the end of
   * a pipe it gave the foreground (a test, a `$(...)`) must not wait for this build too. */
  close_all_but(lock_fd, program_fd);
  errno = 0;
  if (nice(BACKGROUND_NICE) == -1 && errno != 0)
    errno = 0; /* not nicer then, but still detached: build anyway */
  int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  int log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (null_fd >= 0)
    dup2(null_fd, 0);
  if (log_fd >= 0 || null_fd >= 0) {
    dup2(log_fd >= 0 ? log_fd : null_fd, 1);
    dup2(log_fd >= 0 ? log_fd : null_fd, 2);
  }
  setvbuf(stderr, NULL, _IOLBF, 0);
  if (program_fd >= 0) {
    const char *env = getenv("WASMAOT_TIER_UP_WAIT");
    double wait_s = env && *env ? strtod(env, NULL) : WAIT_FOR_PROGRAM_S;
    struct pollfd p = {program_fd, POLLIN, 0};
    double t0 = now_seconds();
    int ended = poll(&p, 1, wait_s > 0 ? (int)(wait_s * 1000) : 0) > 0;
    close(program_fd);
    char when[128];
    snprintf(when, sizeof when, "background build waited %.1f s for the program: %s",
             now_seconds() - t0, ended ? "it ended" : "still running, building anyway");
    log_line(when, opt_path);
  }
  log_line("background build of the optimized tier started:", opt_path);
  double t0 = now_seconds();
  char err[2048];
  int rc = pipeline_build(in_path, bytes, len, opt_path, opt, err, sizeof err);
  if (rc != 0) {
    record_failure(failed_path, err);
    log_line("background build failed:", err);
  } else {
    /* Later runs take the optimised entry: the quick one is dead weight in the cache (a run
     * still executing it keeps its inode until it ends). */
    unlink(quick_path);
    /* and its tier-up store (hot_rewrite.h; a program running on it holds it open) */
    char store[PATH_MAX + 96];
    snprintf(store, sizeof store, "%s.hot", quick_path);
    unlink(store);
    char done[128];
    snprintf(done, sizeof done,
             "background build finished in %.1f s (largest process %ld MiB):", now_seconds() - t0,
             (spawn_peak_rss_kib() + 1023) / 1024);
    log_line(done, opt_path);
  }
  fflush(NULL);
  _exit(rc != 0);
}

/* Starts the optimised build of the module into opt_path in the background, unless one is
 * running (the lock is taken) or one failed before (then, with verbose, says why). Returns 1
 * if the optimised entry turned out to be there after all (a background build just finished),
 * else 0: the quick entry runs. */
static int tier_up(const char *in_path, const uint8_t *bytes, size_t len,
                   const struct build_options *opt, const char *opt_path, const char *quick_path,
                   int verbose) {
  char lock_path[PATH_MAX + 16], log_path[PATH_MAX + 16], failed_path[PATH_MAX + 16];
  char why[2 * PATH_MAX + 1024], err[2048];
  snprintf(lock_path, sizeof lock_path, "%s.lock", opt_path);
  snprintf(log_path, sizeof log_path, "%s.log", opt_path);
  snprintf(failed_path, sizeof failed_path, "%s.failed", opt_path);
  const char *state = "optimized tier building in the background";
  int fd = open(lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600), open_errno = errno;
  if (fd >= 0 && fd < 3) { /* stdio was closed: keep the lock clear of the /dev/null and log */
    int above = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    fd = above, open_errno = errno;
  }
  int locked = fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0;
  if (locked && entry_ready(opt_path, err, sizeof err) == 1) {
    close(fd);
    return 1; /* a background build finished between our first look and the lock */
  }
  read_failure(failed_path, why, sizeof why);
  if (why[0]) {
    char reason[sizeof why];
    snprintf(reason, sizeof reason, "%s", why);
    snprintf(why, sizeof why,
             "the optimized build failed: %.900s (log: %s; not retried while %s exists)", reason,
             log_path, failed_path);
    state = why;
  } else if (fd < 0) {
    snprintf(why, sizeof why, "no background build: %s: %s", lock_path, strerror(open_errno));
    state = why;
  } else if (!locked) {
    state = "optimized tier building in the background, started by another run";
  } else {
    fflush(NULL);
    /* This process execs the program next: its pidfd tells the background build when the
     * program has ended (close-on-exec: the program never sees it). */
    int program_fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    pid_t child = fork();
    if (child == 0) {
      /* A session of its own (no terminal's Ctrl-C or hangup reaches it), and the second
       * fork leaves it an orphan that init reaps: the foreground execs the program. */
      setsid();
      pid_t grandchild = fork();
      if (grandchild == 0)
        background_build(in_path, bytes, len, opt, opt_path, quick_path, log_path, failed_path, fd,
                         program_fd);
      _exit(grandchild < 0);
    }
    if (program_fd >= 0)
      close(program_fd);
    int status = 0;
    if (child < 0 || waitpid(child, &status, 0) != child || status != 0) {
      snprintf(why, sizeof why, "no background build: cannot fork: %s",
               child < 0 ? strerror(errno) : "the second fork failed");
      state = why;
    }
  }
  if (fd >= 0)
    close(fd); /* the background build holds the lock through its own descriptor */
  if (verbose)
    fprintf(stderr, "wasmaot: tier quick (%s)\n", state);
  return 0;
}

/* Whether a module this size is worth a quick tier first, by its code size; 0 if the module
 * cannot be read (the optimised build then reports why). */
static int worth_tiers(const uint8_t *bytes, size_t len) {
  struct wasm_module_info m;
  char why[256];
  if (wasm_module_read(bytes, len, &m, why, sizeof why) != 0)
    return 0;
  uint32_t code = m.code_size;
  wasm_module_free(&m);
  const char *env = getenv("WASMAOT_TIER_UP_MIN_CODE");
  unsigned long min = env && *env ? strtoul(env, NULL, 10) : TIER_UP_MIN_CODE_BYTES;
  return code >= min;
}

/* Whether a quick-tier build made by `run` gets in-run tier-up (hot_rewrite.h): unless
 * $WASMAOT_HOT=0 (for measuring; a distinct cache entry), and never under --sanitize (ASan
 * and the shared objects' code) or for the serve host (it has no tier-up thread). */
static int hot_wanted(const struct build_options *o) {
  const char *hot = getenv("WASMAOT_HOT");
  return !(hot && strcmp(hot, "0") == 0) && !o->sanitize && !o->serve;
}

/* Tells the quick executable about to run where its tier-up store is and which wasmaot
 * compiles its hot functions (runtime-support/tierup.c reads and removes these variables
 * before the guest's environment is built). Nothing when the entry has no store. */
static void hot_environment(const char *quick_path, int verbose) {
  char store[PATH_MAX + 96], self[PATH_MAX];
  snprintf(store, sizeof store, "%s.hot", quick_path);
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0 || access(store, R_OK) != 0)
    return;
  self[n] = 0;
  setenv("WASMAOT_HOT_ENTRY", store, 1);
  setenv("WASMAOT_HOT_COMPILER", self, 1);
  if (verbose)
    setenv("WASMAOT_HOT_VERBOSE", "1", 1);
}

int tiers_prepare(const char *in_path, const uint8_t *bytes, size_t len,
                  const struct build_options *o, const char *dir, int verbose, char *path,
                  size_t pathlen, char *err, size_t errlen) {
  if (o->tier != TIER_AUTO) {
    struct build_options one = *o;
    one.hot = o->tier == TIER_QUICK && hot_wanted(o);
    if (entry_path(&one, bytes, len, dir, path, pathlen, err, errlen) != 0 ||
        use_or_build(in_path, bytes, len, &one, path, verbose, err, errlen) != 0)
      return -1;
    if (one.hot)
      hot_environment(path, verbose);
    if (verbose)
      fprintf(stderr, "wasmaot: %s\n",
              o->tier == TIER_QUICK      ? "tier quick"
              : o->tier == TIER_EXPLICIT ? "explicit build (--cc/-O given: no tiers)"
                                         : "tier optimized");
    return 0;
  }
  struct build_options opt = *o, quick = *o;
  opt.tier = TIER_OPTIMIZED;
  quick.tier = TIER_QUICK;
  quick.cc = NULL, quick.opt_level = -1;
  build_options_resolve(&quick);
  quick.hot = hot_wanted(&quick);
  char quick_path[PATH_MAX + 80];
  if (entry_path(&opt, bytes, len, dir, path, pathlen, err, errlen) != 0)
    return -1;
  int ready = entry_ready(path, err, errlen);
  if (ready < 0)
    return -1;
  if (ready || !worth_tiers(bytes, len) ||
      entry_path(&quick, bytes, len, dir, quick_path, sizeof quick_path, err, errlen) != 0 ||
      strcmp(path, quick_path) == 0) {
    /* Cached, small, or no quick tier here (its compiler missing): the optimised tier. */
    if (use_or_build(in_path, bytes, len, &opt, path, verbose, err, errlen) != 0)
      return -1;
    if (verbose)
      fprintf(stderr, "wasmaot: tier optimized\n");
    return 0;
  }
  if (use_or_build(in_path, bytes, len, &quick, quick_path, verbose, err, errlen) != 0)
    return -1;
  if (tier_up(in_path, bytes, len, &opt, path, quick_path, verbose)) {
    if (verbose)
      fprintf(stderr, "wasmaot: cache hit %s\nwasmaot: tier optimized\n", path);
    return 0;
  }
  /* (only for the quick executable: nothing else takes the variables out of what
   * --inherit-env passes on) */
  hot_environment(quick_path, verbose);
  snprintf(path, pathlen, "%s", quick_path);
  return 0;
}
