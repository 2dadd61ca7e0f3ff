/* In-run tier-up, the runtime's half (translator/hot_rewrite.h is the translator's).
 *
 * A quick-tier executable built by `wasmaot run` counts calls and loop iterations per wasm
 * function; when a count reaches wasmaot_hot_threshold it calls wasmaot_hot_trigger(i). A
 * background thread (all signals blocked: the guest's signals stay the main thread's) waits
 * a few ms for more functions to get hot, then runs `wasmaot __hot-compile` on them (the
 * optimised tier's compiler, into a shared object in a private mkdtemp directory), dlopen()s
 * it, passes it the quick functions' table, and publishes the new code in wasmaot_hot_slot,
 * which the quick functions check on entry. Several rounds as more functions get hot; a call
 * running on the quick code moves to its function's OSR variant at a loop header
 * (translator/hot_osr.h). A CPU-time timer samples where the guest's thread is (SIGPROF, on
 * that thread only): the rounds go by time spent, not by calls counted.
 *
 * Enabled only when `wasmaot run` started us: it sets $WASMAOT_HOT_ENTRY (the store beside
 * the cache entry) and $WASMAOT_HOT_COMPILER (itself). These, and the knobs below, are read and
 * removed before main() builds the guest's environment (--inherit-env must not show them):
 *   WASMAOT_HOT_THRESHOLD=N  count that makes a function hot (default HOT_THRESHOLD_DEFAULT)
 *   WASMAOT_HOT_SYNC=1       compile in the guest's thread at the trigger, before going on
 *                            (deterministic: tests)
 *   WASMAOT_HOT_VERBOSE=1    one line per round on stderr (`wasmaot run -v` sets it)
 * A failed compile leaves its functions on the quick tier (never retried). The compile child
 * gets SIGTERM when the thread that started it ends (PR_SET_PDEATHSIG: at our exit, whatever
 * the way: proc_exit, a trap's _exit, a signal), and stops its compiler then. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

/* Defined by the instrumented guest C (hot_rewrite.c). */
extern void *wasmaot_hot_slot[];
extern unsigned wasmaot_hot_count[];
extern unsigned wasmaot_hot_calls[]; /* calls only, of functions with loops (count: calls and loop
                                      * iterations) */
extern void *wasmaot_hot_osr[];
extern const unsigned wasmaot_hot_nfuncs;
void wasmaot_hot_quick_table(void **table);

/* 0 until tier-up is on: the guest's counters then never match (but at 2^32 wraps). */
unsigned wasmaot_hot_threshold;

/* Calls plus loop iterations that make a function hot. At the quick tier one tick is tens of
 * ns of code, so this is a function that took some ms: worth a compile of ~0.5 s on the
 * otherwise idle second core. (README, The CLI: tiers, for what was measured.) */
enum { HOT_THRESHOLD_DEFAULT = 10000 };
/* How long the thread waits after the first trigger of a round for others to join it. */
enum { HOT_BATCH_MS = 20 };
/* ... and between rounds, for a call the last swap left running on the quick code to ask for
 * its OSR variant: 10,000 ticks of a loop take well under a millisecond even on tcc's code;
 * the wait is lost to every round (svg-flatten runs 11). */
enum { HOT_BETWEEN_ROUNDS_MS = 5 };
/* The most functions one round compiles; $WASMAOT_HOT_ROUND_MAX. A round costs ~40 ms beside
 * its functions (clang's start, the precompiled prelude, the link): svg-flatten's C++, whose
 * time is spread over many small functions, ran its first run in 2.9 s with 16 a round, 3.1 s
 * with 8 (flite and CPython alike either way; 2026-12-03). */
enum { HOT_ROUND_MAX_DEFAULT = 16 };
/* ... and bytes of C ($WASMAOT_HOT_ROUND_BYTES): flite's two biggest hot functions (95 and
 * 145 KB of C) made a round of 2.4 s that every function hot meanwhile waited for. A bigger
 * function goes in a round alone. */
enum { HOT_ROUND_MAX_BYTES = 128 * 1024 };
/* A function of more C than this compiles for seconds (CPython's interpreter loop, 3.9 MB of
 * C: 4.6 s at -O1, during which every function that got hot waited): it is taken only when no
 * smaller function is waiting. */
enum { HOT_HUGE_BYTES = 1024 * 1024 };

/* A function's way: cold, hot (pending), in a round (taken; a failed compile stays so), its
 * hot code in (swapped: its count starts again, and if calls under way in the quick code
 * make it hot again, its OSR variant is asked for: OSR pending, OSR taken). A function hot in
 * a loop of its first calls gets its OSR variant first (OSR taken, then OSR only: calls enter
 * the quick code and move over at a loop header, two ticks each; when those make it hot again
 * it is pending again, for its code). */
enum {
  FUNC_COLD,
  FUNC_PENDING,
  FUNC_TAKEN,
  FUNC_SWAPPED,
  FUNC_OSR_PENDING,
  FUNC_OSR_TAKEN,
  FUNC_OSR_ONLY
};
static unsigned char *g_state;  /* per function: enum above, written with atomics */
static void **g_quick;          /* the quick tier's address of every function */
static unsigned *g_before_swap; /* per function: what its count was when its hot code came */
static char *g_store, *g_compiler;
/* The store, open: the compile reads it as its fd 3 (/dev/fd/3), so a cache entry removed
 * while we run (the optimised tier landed) does not take it away. */
static int g_store_fd = -1;
static int g_sync, g_verbose, g_rounds;
static unsigned g_round_max = HOT_ROUND_MAX_DEFAULT; /* functions per round at most */
static unsigned *g_size;         /* per function: bytes of C (the store's index), 0 if unknown */
static unsigned char *g_has_osr; /* per function: the store has its OSR variant */
/* Per function: its count at the start of the short wait before a round, and its ticks
 * during that wait (taken with the round): whether it is running now. flite's first run spent
 * its last 0.6 s compiling the OSR variant of a synthesis loop whose one call had ended half a
 * second before, while a function running meanwhile (20 M ticks on the quick code) waited
 * behind it. */
static unsigned *g_seen, *g_recent;

/* One round's functions and the state each had before it was taken (to give them back). */
struct round {
  unsigned *func;
  unsigned char *was;
  unsigned n;
};

/* While a round compiles, every HOT_WATCH_MS: has it gone cold? It has when none of its
 * functions ticked for HOT_COLD_MS and a pending function outside it did: the program has
 * moved on to another phase, and the round is given up for that one (its functions wait
 * again). flite's parameter generation asked for its loop's OSR variant, a compile of 0.5 s,
 * and ended 0.15 s later, while its synthesis loop, which ran for a second, waited. */
enum { HOT_WATCH_MS = 10, HOT_COLD_MS = 50 };

/* Sampling (not in sync mode): every HOT_SAMPLE_US of the guest thread's CPU time (the kernel
 * checks CPU-time timers at its ticks: every 4 ms at HZ=250) a SIGPROF says which function's
 * quick code it is in (its address against every function's quick
 * address, sorted). Ticks count calls and loop iterations, not time: svg-flatten's rounds went
 * first to C++ functions of a few instructions called millions of times, while functions that
 * held its time waited (in a run, 2% of the program's time was in hot code). Samples rank the
 * rounds; HOT_SAMPLES_TRIGGER of them make a function hot even below the tick threshold (a
 * function without loops, called seldom, each call long). */
enum { HOT_SAMPLE_US = 1000, HOT_SAMPLES_TRIGGER = 5, HOT_FUNC_COST_BYTES = 8192 };
static uintptr_t *g_sorted; /* the quick functions' addresses, ascending */
static unsigned *g_sorted_func, g_nsorted;
static uintptr_t g_quick_end; /* no quick function's code at or above this */
static unsigned *g_samples;   /* per function */
int main(int, char **) __attribute__((weak));

/* A function that got hot in at most this many calls got hot in a loop: a call is running
 * it now, and without its OSR variant it would run on until it returns on the quick code.
 * Its round compiles the variant instead of the function (flite's mlsa_resynthesis, one call
 * of 108 M iterations, waited a whole round more for it; compiling both doubled the round). */
enum { LONG_CALL_MAX_CALLS = 2 };
static unsigned long g_round_max_bytes = HOT_ROUND_MAX_BYTES; /* $WASMAOT_HOT_ROUND_BYTES */
static double g_start;                                        /* when tier-up started, for -v */
static sem_t g_wake;
static pthread_mutex_t g_round_lock = PTHREAD_MUTEX_INITIALIZER;
/* Rounds compile on up to HOT_LANES_MAX threads at once ($WASMAOT_HOT_LANES); each lane's
 * round under way has its private directory and shared object, for wasmaot_exit_cleanup. */
enum { HOT_LANES_MAX = 4 };
static unsigned g_lanes = 1;
static char g_live_dir[HOT_LANES_MAX][PATH_MAX], g_live_so[HOT_LANES_MAX][PATH_MAX + 16];
static int g_compiling; /* rounds whose compile is under way (for the report at exit) */
/* The prelude precompiled once before the first round, and the linker to use (`wasmaot
 * __hot-compile --prepare`, translator/hot_compile.c: a round's fixed cost from ~0.12 s to
 * ~0.06 s): both open and already unlinked, passed to each round as /dev/fd/4 and /dev/fd/5;
 * -1 if the preparation failed (rounds then compile the prelude themselves). */
static int g_pch_fd = -1, g_link_fd = -1;
static pthread_once_t g_prepared = PTHREAD_ONCE_INIT;
static char g_prep_dir[PATH_MAX], g_prep_pch[PATH_MAX + 16], g_prep_link[PATH_MAX + 16];

/* A private directory is made and its path published only while the program is not ending:
 * the clean-up first says so (g_exiting), then waits (up to a second) for a directory being
 * made to be published, and removes what is published. Without it a program ending just as
 * the tier-up thread made a directory left it behind (the clean-up had read the path before
 * mkdtemp filled it in: 4 short runs at once, tests/pipeline/test_tiers.c). */
static int g_exiting, g_creating;

static int make_private_dir(char *dir, char *published, size_t len) {
  __atomic_add_fetch(&g_creating, 1, __ATOMIC_SEQ_CST);
  int made = !__atomic_load_n(&g_exiting, __ATOMIC_SEQ_CST) && mkdtemp(dir); /* 0700 */
  if (made)
    snprintf(published, len, "%s", dir);
  __atomic_sub_fetch(&g_creating, 1, __ATOMIC_SEQ_CST);
  return made;
}

/* The program is ending (proc_exit, a trap, _start returning) while a round may be under way:
 * its shared object and directory go (the compile itself, stopped by PR_SET_PDEATHSIG, removes
 * its own files; a directory still holding them is left to it). Without this, an exit between
 * the compile's end and the round's own clean-up left $TMPDIR/wasmaot-hot-* behind (4 runs of
 * a short program at once, tests/pipeline/test_tiers.c). Async-signal-safe: traps call it from
 * the signal handler. */
void wasmaot_exit_cleanup(void) {
  __atomic_store_n(&g_exiting, 1, __ATOMIC_SEQ_CST);
  for (int i = 0; i < 1000 && __atomic_load_n(&g_creating, __ATOMIC_SEQ_CST); i++)
    poll(NULL, 0, 1);
  for (int lane = 0; lane < HOT_LANES_MAX; lane++) {
    if (g_live_so[lane][0])
      unlink(g_live_so[lane]);
    if (g_live_dir[lane][0])
      rmdir(g_live_dir[lane]);
  }
  if (g_prep_pch[0])
    unlink(g_prep_pch);
  if (g_prep_link[0])
    unlink(g_prep_link);
  if (g_prep_dir[0])
    rmdir(g_prep_dir);
}

/* A program ended by a signal's default action (SIGTERM from a supervisor or `timeout`, Ctrl-C)
 * runs no atexit handler: a round's directory (or the prelude's) caught between its steps
 * stayed in $TMPDIR. These clean up and then die of the same signal; one the program was
 * started with ignored (nohup) stays ignored. The compiles get back what we had
 * (start_compile). */
static const int g_stop_signals[3] = {SIGTERM, SIGINT, SIGHUP};
static struct sigaction g_stop_was[3];

static void on_stop_signal(int sig) {
  wasmaot_exit_cleanup();
  signal(sig, SIG_DFL);
  raise(sig);
}

static void catch_stop_signals(void) {
  for (int k = 0; k < 3; k++) {
    if (sigaction(g_stop_signals[k], NULL, &g_stop_was[k]) != 0 ||
        g_stop_was[k].sa_handler != SIG_DFL || (g_stop_was[k].sa_flags & SA_SIGINFO))
      continue;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(g_stop_signals[k], &sa, NULL);
  }
}

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Whether the round r has gone cold (the comment at HOT_COLD_MS), one check: seen holds each
 * function's count at the previous check, cold_ms how long the round's functions have not
 * ticked. */
static int round_went_cold(const struct round *r, unsigned *seen, unsigned *cold_ms) {
  int mine = 0, other = 0;
  for (unsigned i = 0; i < wasmaot_hot_nfuncs; i++) {
    unsigned now = __atomic_load_n(&wasmaot_hot_count[i], __ATOMIC_RELAXED);
    if (now == seen[i])
      continue;
    seen[i] = now;
    int in_round = 0;
    for (unsigned k = 0; k < r->n && !in_round; k++)
      in_round = r->func[k] == i;
    unsigned char st = __atomic_load_n(&g_state[i], __ATOMIC_ACQUIRE);
    mine |= in_round;
    other |= !in_round && (st == FUNC_PENDING || st == FUNC_OSR_PENDING);
  }
  *cold_ms = mine ? 0 : *cold_ms + HOT_WATCH_MS;
  return *cold_ms >= HOT_COLD_MS && other;
}

/* Starts `wasmaot __hot-compile` with argv: its pid, or -1. */
static pid_t start_compile(char **argv) {
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    /* Only async-signal-safe calls from here to exec (the guest's thread may hold locks). */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
      _exit(126);
    for (int k = 0; k < 3; k++) /* not our clean-up in the compile (its own: hot_compile.c) */
      sigaction(g_stop_signals[k], &g_stop_was[k], NULL);
    int null_fd = open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
      dup2(null_fd, 0);
      dup2(null_fd, 1);
      if (!g_verbose)
        dup2(null_fd, 2);
    }
    /* None of the guest's descriptors (preopens, sockets) reach the compiler: only the store,
     * as fd 3, and the precompiled prelude and link file as 4 and 5 (copied above 5 first, so
     * that no dup2 overwrites another's). */
    int from[3] = {g_store_fd, g_pch_fd, g_link_fd};
    for (int k = 0; k < 3; k++)
      if (from[k] >= 0 &&
          ((from[k] = fcntl(from[k], F_DUPFD, 6)) < 0 || dup2(from[k], 3 + k) != 3 + k))
        _exit(126);
    close_range(g_pch_fd >= 0 ? (g_link_fd >= 0 ? 6 : 5) : 4, ~0U, 0);
    signal(SIGPIPE, SIG_DFL); /* the host ignores it; exec would keep that */
    /* SIGTERM stays blocked through exec, until the compile has its handler (which removes
     * its files and this directory): a program that exits right now must not leave them. */
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_SETMASK, &term, NULL);
    execv(g_compiler, argv);
    _exit(127);
  }
  return pid;
}

/* Compiles the round r (its list) into so_path: 0 when done, -1 if it failed, 1 if it was
 * given up because it went cold (its compile stopped, with SIGTERM: it removes its files). */
static int run_compile(const char *list, const char *so_path, const struct round *r) {
  char *argv[] = {g_compiler, "__hot-compile",
                  "--entry",  "/dev/fd/3",
                  "--funcs",  (char *)list,
                  "-o",       (char *)so_path,
                  NULL,       NULL,
                  NULL,       NULL,
                  NULL,       NULL};
  int n = 8;
  if (g_pch_fd >= 0) {
    argv[n++] = "--pch", argv[n++] = "/dev/fd/4";
    if (g_link_fd >= 0)
      argv[n++] = "--link", argv[n++] = "/dev/fd/5";
  }
  if (g_verbose)
    argv[n++] = "-v";
  pid_t pid = start_compile(argv);
  if (pid < 0)
    return -1;
  /* In sync mode (tests) the guest waits for the round: nothing ticks, nothing goes cold. */
  unsigned *seen = g_sync ? NULL : malloc(wasmaot_hot_nfuncs * sizeof *seen), cold_ms = 0;
  for (unsigned i = 0; seen && i < wasmaot_hot_nfuncs; i++)
    seen[i] = __atomic_load_n(&wasmaot_hot_count[i], __ATOMIC_RELAXED);
  int status, given_up = 0;
  for (;;) {
    pid_t got = waitpid(pid, &status, seen && !given_up ? WNOHANG : 0);
    if (got == pid)
      break;
    if (got < 0 && errno != EINTR) {
      free(seen);
      return -1;
    }
    if (got == 0) {
      struct timespec watch = {0, HOT_WATCH_MS * 1000000L};
      nanosleep(&watch, NULL);
      if (round_went_cold(r, seen, &cold_ms)) {
        kill(pid, SIGTERM);
        given_up = 1;
      }
    }
  }
  free(seen);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0; /* done before the stop came */
  return given_up ? 1 : -1;
}

/* Once, at the first trigger (pthread_once): the precompiled prelude and link file
 * (g_pch_fd). In its own private directory, removed as soon as the two are open; at exit if
 * the program ends meanwhile. */
static void prepare(void) {
  double t0 = now_seconds();
  const char *tmp = getenv("TMPDIR");
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s/wasmaot-hot-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!make_private_dir(dir, g_prep_dir, sizeof g_prep_dir))
    return;
  snprintf(g_prep_pch, sizeof g_prep_pch, "%s/prelude.pch", g_prep_dir);
  snprintf(g_prep_link, sizeof g_prep_link, "%s/prelude.link", g_prep_dir);
  char *argv[] = {g_compiler, "__hot-compile",         "--entry", "/dev/fd/3", "--prepare",
                  g_prep_pch, g_verbose ? "-v" : NULL, NULL};
  pid_t pid = start_compile(argv);
  int status = 0;
  while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    int pch = open(g_prep_pch, O_RDONLY | O_CLOEXEC);
    g_link_fd = pch >= 0 ? open(g_prep_link, O_RDONLY | O_CLOEXEC) : -1;
    g_pch_fd = pch;
  }
  unlink(g_prep_pch);
  unlink(g_prep_link);
  rmdir(g_prep_dir);
  g_prep_dir[0] = g_prep_pch[0] = g_prep_link[0] = 0;
  if (g_verbose)
    fprintf(stderr, "wasmaot: tier-up prepared: %s in %.2f s\n",
            g_pch_fd >= 0 ? "prelude precompiled" : "no precompiled prelude", now_seconds() - t0);
}

/* Loads so_path and publishes its functions; the number published, -1 if it cannot. */
static int load_and_publish(const char *so_path, unsigned want) {
  void *lib = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    return -1;
  unsigned (*init)(void **, unsigned *, void **, void **) =
      (unsigned (*)(void **, unsigned *, void **, void **))dlsym(lib, "wasmaot_hot_init");
  unsigned *index = calloc(want, sizeof *index);
  void **code = calloc(want, sizeof *code), **osr = calloc(want, sizeof *osr);
  int published = -1;
  if (init && index && code && osr) {
    unsigned n = init(g_quick, index, code, osr);
    published = 0;
    for (unsigned k = 0; k < n && k < want; k++)
      if (index[k] < wasmaot_hot_nfuncs && (code[k] || osr[k])) {
        /* Release: the code is loaded before its pointer is seen (the quick code reads it
         * plainly; on x86-64 stores are not reordered with earlier stores). */
        if (code[k]) {
          __atomic_store_n(&wasmaot_hot_slot[index[k]], code[k], __ATOMIC_RELEASE);
          /* New calls go to the hot code now: what the quick code still counts from here is
           * calls under way, which ask for the OSR variant when they reach the threshold. */
          g_before_swap[index[k]] +=
              __atomic_exchange_n(&wasmaot_hot_count[index[k]], 0, __ATOMIC_RELAXED);
          __atomic_store_n(&g_state[index[k]], FUNC_SWAPPED, __ATOMIC_RELEASE);
        }
        /* the variant a running call moves to at its next loop header (hot_osr.h) */
        if (osr[k])
          __atomic_store_n(&wasmaot_hot_osr[index[k]], osr[k], __ATOMIC_RELEASE);
        if (osr[k] && !__atomic_load_n(&wasmaot_hot_slot[index[k]], __ATOMIC_ACQUIRE)) {
          g_before_swap[index[k]] +=
              __atomic_exchange_n(&wasmaot_hot_count[index[k]], 0, __ATOMIC_RELAXED);
          __atomic_store_n(&g_state[index[k]], FUNC_OSR_ONLY, __ATOMIC_RELEASE);
        }
        published++;
      }
  }
  free(index), free(code), free(osr);
  if (published < 0)
    dlclose(lib);
  /* On success the library stays loaded for the life of the program. */
  return published;
}

/* Whether function i got hot in a loop of a call still running (at most LONG_CALL_MAX_CALLS
 * calls) and has an OSR variant not yet in: that variant serves the running call and any
 * later one (a call enters the quick code and moves over at its first loop header). flite's
 * synthesis loop (145 KB of C, 57% of its quick-tier time) waited behind rounds of small
 * functions when only their ticks per byte ranked it. */
static int long_call(unsigned i) {
  return g_has_osr[i] && !__atomic_load_n(&wasmaot_hot_osr[i], __ATOMIC_ACQUIRE) &&
         __atomic_load_n(&wasmaot_hot_calls[i], __ATOMIC_RELAXED) <= LONG_CALL_MAX_CALLS;
}

/* Whether function a should go before b: more sampled time per byte of C, or (as many) more
 * ticks per byte: what a round gains per second of compile (a compile's time grows with the
 * function's C). */
static int denser(unsigned a, unsigned b) {
  unsigned long long sa = g_size[a] > 1024 ? g_size[a] : 1024,
                     sb = g_size[b] > 1024 ? g_size[b] : 1024;
  /* Time first: samples per byte of C plus HOT_FUNC_COST_BYTES (what a second of compile
   * saves; a round's fixed cost, ~0.1 s, is shared by its functions), then ticks per byte. */
  unsigned long long ca = g_size[a] + HOT_FUNC_COST_BYTES, cb = g_size[b] + HOT_FUNC_COST_BYTES;
  unsigned long long pa = __atomic_load_n(&g_samples[a], __ATOMIC_RELAXED) * cb,
                     pb = __atomic_load_n(&g_samples[b], __ATOMIC_RELAXED) * ca;
  if (pa != pb)
    return pa > pb;
  return (unsigned long long)wasmaot_hot_count[a] * sb >
         (unsigned long long)wasmaot_hot_count[b] * sa;
}

/* Before the wait that precedes a round: every function's count now (under the lock). */
static void mark_counts(void) {
  pthread_mutex_lock(&g_round_lock);
  for (unsigned i = 0; i < wasmaot_hot_nfuncs; i++)
    g_seen[i] = __atomic_load_n(&wasmaot_hot_count[i], __ATOMIC_RELAXED);
  pthread_mutex_unlock(&g_round_lock);
}

/* Each function's ticks since mark_counts, into g_recent (since the start in sync mode, which
 * has no wait). A count only grows but when a swap restarts it (then all of it is recent). */
static void take_recent(void) {
  for (unsigned i = 0; i < wasmaot_hot_nfuncs; i++) {
    unsigned now = __atomic_load_n(&wasmaot_hot_count[i], __ATOMIC_RELAXED);
    g_recent[i] = now >= g_seen[i] ? now - g_seen[i] : now;
  }
}

/* Takes pending functions for one round, at most g_round_max and g_round_max_bytes of C, in
 * the order of the loop's comment below; writes their list ("3,o17,...") and returns how
 * many. A round of many functions takes seconds, and a function that gets hot meanwhile waits
 * for it: short rounds bound that wait. */
static unsigned take_hottest(char *list, struct round *r) {
  unsigned n = 0, nfuncs = wasmaot_hot_nfuncs, first_active = 0;
  size_t used = 0;
  list[0] = 0;
  unsigned long bytes = 0;
  take_recent();
  while (n < g_round_max && bytes < g_round_max_bytes) {
    /* Huge functions last; then those that ticked in the wait before this round before those
     * that did not (a call that has ended gains nothing from its OSR variant, and a phase of the
     * program that is over gains nothing from its functions: they wait, for an idle moment);
     * then OSR requests (each is a call running on the quick code right now, and so is a
     * function hot in a loop of its first calls: long_call); then `denser` (sampled time per
     * byte, then ticks per byte). */
    unsigned best = 0, found = 0, osr = 0, small = 0, active = 0;
    for (unsigned i = 0; i < nfuncs; i++) {
      unsigned char st = __atomic_load_n(&g_state[i], __ATOMIC_ACQUIRE);
      int is_osr = st == FUNC_OSR_PENDING || (st == FUNC_PENDING && long_call(i));
      int is_small = g_size[i] <= HOT_HUGE_BYTES, is_active = g_recent[i] > 0;
      if ((st == FUNC_PENDING || is_osr) &&
          (!found || is_small > (int)small ||
           (is_small == (int)small &&
            (is_active > (int)active ||
             (is_active == (int)active &&
              (is_osr > (int)osr || (is_osr == (int)osr && denser(i, best))))))))
        best = i, found = 1, osr = (unsigned)is_osr, small = (unsigned)is_small,
        active = (unsigned)is_active;
    }
    /* A round is of running functions or of others, not both: those would lengthen it. */
    if (!found || (n > 0 && (bytes + g_size[best] > g_round_max_bytes || active != first_active)))
      break;
    first_active = n == 0 ? active : first_active;
    bytes += g_size[best]; /* osr: an OSR request, or a long call (its variant instead) */
    r->func[n] = best;
    r->was[n] = __atomic_load_n(&g_state[best], __ATOMIC_ACQUIRE);
    __atomic_store_n(&g_state[best], osr ? FUNC_OSR_TAKEN : FUNC_TAKEN, __ATOMIC_RELEASE);
    used += (size_t)sprintf(list + used, "%s%s%u", n ? "," : "", osr ? "o" : "", best);
    n++;
  }
  return n;
}

/* One round on a lane: the hottest pending functions compiled together (the lock is held to
 * take them and to publish them, not while they compile: another lane may compile meanwhile).
 * Returns how many it took. */
static unsigned compile_round(unsigned lane) {
  pthread_once(&g_prepared, prepare);
  pthread_mutex_lock(&g_round_lock);
  char *list = malloc((size_t)g_round_max * 24 + 1); /* "I,oI," per function */
  struct round r = {malloc(g_round_max * sizeof *r.func), malloc(g_round_max), 0};
  unsigned n = list && r.func && r.was ? take_hottest(list, &r) : 0;
  r.n = n;
  if (n == 0) {
    free(list), free(r.func), free(r.was);
    pthread_mutex_unlock(&g_round_lock);
    return 0;
  }
  int round = ++g_rounds;
  pthread_mutex_unlock(&g_round_lock);
  double t0 = now_seconds();
  const char *tmp = getenv("TMPDIR");
  char dir[PATH_MAX], so_path[PATH_MAX + 16];
  snprintf(dir, sizeof dir, "%s/wasmaot-hot-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  int published = -1, locked = 0, outcome = -1;
  const char *why = "cannot create a temporary directory";
  if (make_private_dir(dir, g_live_dir[lane], sizeof g_live_dir[lane])) {
    snprintf(so_path, sizeof so_path, "%s/hot.so", dir);
    snprintf(g_live_so[lane], sizeof g_live_so[lane], "%s", so_path);
    why = "the compile failed";
    __atomic_add_fetch(&g_compiling, 1, __ATOMIC_ACQ_REL);
    outcome = run_compile(list, so_path, &r);
    __atomic_sub_fetch(&g_compiling, 1, __ATOMIC_ACQ_REL);
    pthread_mutex_lock(&g_round_lock); /* publishing: one lane at a time */
    locked = 1;
    if (outcome == 1) /* gone cold: its functions wait again, as they were */
      for (unsigned k = 0; k < n; k++)
        __atomic_store_n(&g_state[r.func[k]], r.was[k], __ATOMIC_RELEASE);
    if (outcome == 0) {
      unsigned entries = 1; /* functions and OSR variants: one per item of the list */
      for (const char *c = list; *c; c++)
        entries += *c == ',';
      published = load_and_publish(so_path, entries);
      why = dlerror();
    }
    unlink(so_path);
    rmdir(dir);
    g_live_dir[lane][0] = g_live_so[lane][0] = 0;
  }
  if (!locked)
    pthread_mutex_lock(&g_round_lock);
  if (g_verbose) {
    if (outcome == 1)
      fprintf(stderr,
              "wasmaot: tier-up round %d at %.2f s: given up after %.2f s, the program has "
              "moved on (functions %.200s)\n",
              round, t0 - g_start, now_seconds() - t0, list);
    else if (published >= 0)
      fprintf(stderr,
              "wasmaot: tier-up round %d at %.2f s: %d of %u functions optimized in %.2f s "
              "(functions %.200s)\n",
              round, t0 - g_start, published, n, now_seconds() - t0, list);
    else
      fprintf(stderr,
              "wasmaot: tier-up round %d failed (%s): %u functions stay on the quick "
              "tier\n",
              round, why ? why : "no reason", n);
  }
  free(list), free(r.func), free(r.was);
  pthread_mutex_unlock(&g_round_lock);
  return n;
}

/* With -v, at a normal exit (_start returned; proc_exit and traps _exit without it): how much
 * the quick tier still counted. Once a function's hot code is in, its quick code runs only
 * the calls already under way, so this stays far below the guest's calls and iterations (the
 * tests check that the swap happened by it). */
static void report_at_exit(void) {
  unsigned long long ticks = 0, samples = 0;
  unsigned swapped = 0;
  for (unsigned i = 0; i < wasmaot_hot_nfuncs; i++) {
    samples += g_samples[i];
    ticks += (unsigned long long)wasmaot_hot_count[i] + g_before_swap[i];
    swapped += __atomic_load_n(&wasmaot_hot_slot[i], __ATOMIC_ACQUIRE) != NULL;
  }
  fprintf(stderr,
          "wasmaot: tier-up: %d rounds, %u functions optimized, %llu ticks counted on the "
          "quick tier, %llu samples of its time there\n",
          g_rounds, swapped, ticks, samples);
  /* Where the quick tier's time went: the functions with the most ticks (a long loop in a
   * function that never returns; a function the hot compile cannot take). */
  unsigned shown[5];
  int nshown = 0;
  for (; nshown < 5; nshown++) {
    unsigned best = 0, found = 0;
    unsigned long long best_ticks = 0;
    for (unsigned i = 0; i < wasmaot_hot_nfuncs; i++) {
      int seen = 0;
      for (int k = 0; k < nshown; k++)
        seen |= shown[k] == i;
      unsigned long long t = (unsigned long long)wasmaot_hot_count[i] + g_before_swap[i];
      if (!seen && (!found || t > best_ticks))
        best = i, found = 1, best_ticks = t;
    }
    if (!found || best_ticks == 0)
      break;
    shown[nshown] = best;
    unsigned char st = g_state[best];
    char after[64] = "";
    if (wasmaot_hot_slot[best])
      snprintf(after, sizeof after, " (%u after its swap)", wasmaot_hot_count[best]);
    fprintf(stderr,
            "wasmaot: tier-up:   function %u: %llu ticks and %u samples on the quick "
            "tier%s, %s%s\n",
            best, best_ticks, g_samples[best], after,
            wasmaot_hot_slot[best] ? "optimized"
            : (st == FUNC_TAKEN || st == FUNC_OSR_TAKEN) &&
                    __atomic_load_n(&g_compiling, __ATOMIC_ACQUIRE)
                ? (st == FUNC_TAKEN ? "in the round still compiling"
                                    : "its OSR variant in the round still compiling")
            : st == FUNC_TAKEN     ? "its compile failed"
            : st == FUNC_OSR_TAKEN ? "its OSR variant's compile failed"
            : st == FUNC_PENDING   ? "waiting for a round"
                                   : "below the threshold",
            wasmaot_hot_osr[best] ? ", its running call moved there by OSR" : "");
  }
}

void wasmaot_hot_trigger(unsigned i) {
  if (!g_state || i >= wasmaot_hot_nfuncs)
    return;
  unsigned char cold = FUNC_COLD, swapped = FUNC_SWAPPED, osr_only = FUNC_OSR_ONLY;
  if (!__atomic_compare_exchange_n(&g_state[i], &cold, FUNC_PENDING, 0, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE) &&
      !__atomic_compare_exchange_n(&g_state[i], &osr_only, FUNC_PENDING, 0, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE) &&
      (__atomic_load_n(&wasmaot_hot_osr[i], __ATOMIC_ACQUIRE) || /* it is in already */
       !__atomic_compare_exchange_n(&g_state[i], &swapped, FUNC_OSR_PENDING, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)))
    return;
  if (g_sync)
    compile_round(0);
  else
    sem_post(&g_wake);
}

/* SIGPROF on the guest's thread: one sample of the function whose quick code it is in.
 * Async-signal-safe (atomics; the trigger's CAS and sem_post). */
static void on_sample(int sig, siginfo_t *info, void *context) {
  (void)sig, (void)info;
#if defined(__x86_64__)
  uintptr_t pc = (uintptr_t)((ucontext_t *)context)->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
  uintptr_t pc = (uintptr_t)((ucontext_t *)context)->uc_mcontext.pc;
#else
  uintptr_t pc = 0;
  (void)context;
#endif
  if (g_nsorted == 0 || pc < g_sorted[0] || pc >= g_quick_end)
    return;
  unsigned lo = 0, hi = g_nsorted;
  while (hi - lo > 1) {
    unsigned mid = lo + (hi - lo) / 2;
    if (g_sorted[mid] <= pc)
      lo = mid;
    else
      hi = mid;
  }
  unsigned f = g_sorted_func[lo];
  if (__atomic_add_fetch(&g_samples[f], 1, __ATOMIC_RELAXED) == HOT_SAMPLES_TRIGGER)
    wasmaot_hot_trigger(f);
}

static int by_address(const void *a, const void *b) {
  uintptr_t x = ((const uintptr_t *)a)[0], y = ((const uintptr_t *)b)[0];
  return x < y ? -1 : x > y;
}

/* The sorted addresses and the CPU-time timer of the calling (the guest's) thread. Without
 * them (no memory, no timer) rounds go by ticks alone. */
static void start_sampling(void) {
  unsigned n = wasmaot_hot_nfuncs;
  uintptr_t *pairs = malloc(2 * (size_t)n * sizeof *pairs);
  g_sorted = malloc((size_t)n * sizeof *g_sorted);
  g_sorted_func = malloc((size_t)n * sizeof *g_sorted_func);
  if (!pairs || !g_sorted || !g_sorted_func) {
    free(pairs);
    return;
  }
  for (unsigned i = 0; i < n; i++)
    pairs[2 * i] = (uintptr_t)g_quick[i], pairs[2 * i + 1] = i;
  qsort(pairs, n, 2 * sizeof *pairs, by_address);
  for (unsigned i = 0; i < n; i++)
    g_sorted[i] = pairs[2 * i], g_sorted_func[i] = (unsigned)pairs[2 * i + 1];
  free(pairs);
  /* The host main is linked right after the guest's objects: its main() bounds their code
   * (the runtime's and libc's code must not count for the last guest function). */
  uintptr_t last = g_sorted[n - 1], host = (uintptr_t)main;
  g_quick_end = host > last ? host : last + 16 * 1024 * 1024;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_sample;
  sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  struct sigevent ev;
  memset(&ev, 0, sizeof ev);
  ev.sigev_notify = SIGEV_THREAD_ID;
  ev.sigev_signo = SIGPROF;
  ev._sigev_un._tid = gettid(); /* glibc 2.36 has no sigev_notify_thread_id */
  timer_t timer;
  struct itimerspec every = {{0, HOT_SAMPLE_US * 1000L}, {0, HOT_SAMPLE_US * 1000L}};
  if (sigaction(SIGPROF, &sa, NULL) != 0 || timer_create(CLOCK_THREAD_CPUTIME_ID, &ev, &timer) != 0)
    return;
  g_nsorted = n; /* the handler may count from here */
  timer_settime(timer, 0, &every, NULL);
}

static void *tierup_thread(void *arg) {
  unsigned lane = (unsigned)(uintptr_t)arg;
  for (;;) {
    while (sem_wait(&g_wake) != 0)
      ;
    /* Once a function is hot, not before: a program that never has one (most short runs)
     * costs no compile. The batch wait runs from before the preparation (its 0.05-0.13 s of
     * clang counts towards it): the first round starts as soon as both are over. */
    mark_counts();
    double batch_start = now_seconds();
    pthread_once(&g_prepared, prepare);
    long left_ns = HOT_BATCH_MS * 1000000L - (long)((now_seconds() - batch_start) * 1e9);
    if (left_ns > 0) {
      struct timespec batch = {0, left_ns};
      nanosleep(&batch, NULL);
    }
    while (sem_trywait(&g_wake) == 0)
      ;
    /* until nothing is pending; after each round a short wait, so that a running call that
     * the round's swap left on the quick code asks for its OSR variant before the next (and
     * the ticks during it say what runs now) */
    struct timespec between = {0, HOT_BETWEEN_ROUNDS_MS * 1000000L};
    while (compile_round(lane) > 0) {
      mark_counts();
      nanosleep(&between, NULL);
    }
  }
  return NULL;
}

/* The functions' sizes, from the store's index ("f I E OFF LEN OOFF OLEN NAME CAST" lines
 * after the data, from the offset the head line gives, up to "end"): a missing or odd store
 * leaves them 0 (rounds then go by count alone). */
static void read_sizes(void) {
  FILE *f = g_store_fd >= 0 ? fdopen(dup(g_store_fd), "r") : NULL;
  char *line = NULL;
  size_t cap = 0;
  long index_at = -1;
  if (f && (fseek(f, 0, SEEK_SET) != 0 || getline(&line, &cap, f) <= 0 ||
            sscanf(line, "wasmaot-hot 2 %20ld", &index_at) != 1 || index_at <= 0 ||
            fseek(f, index_at, SEEK_SET) != 0)) {
    fclose(f);
    f = NULL;
  }
  while (f && getline(&line, &cap, f) > 0 && strcmp(line, "end\n") != 0) {
    unsigned long i;
    unsigned e;
    long off, len;
    long ooff = 0, olen = 0;
    int got = sscanf(line, "f %lu %u %ld %ld %ld %ld", &i, &e, &off, &len, &ooff, &olen);
    if (got >= 4 && i < wasmaot_hot_nfuncs && len > 0 && len < (1L << 30))
      g_size[i] = (unsigned)len;
    if (got == 6 && i < wasmaot_hot_nfuncs && olen > 0)
      g_has_osr[i] = 1;
  }
  if (f)
    fclose(f);
  free(line);
}

/* Takes the variable out of the environment, returning a copy of its value (or NULL). */
static char *take_env(const char *name) {
  const char *v = getenv(name);
  char *copy = v ? strdup(v) : NULL;
  unsetenv(name);
  return copy;
}

void wasmaot_tierup_start(void) {
  g_store = take_env("WASMAOT_HOT_ENTRY");
  g_compiler = take_env("WASMAOT_HOT_COMPILER");
  char *threshold = take_env("WASMAOT_HOT_THRESHOLD"), *sync = take_env("WASMAOT_HOT_SYNC");
  char *verbose = take_env("WASMAOT_HOT_VERBOSE"), *round_max = take_env("WASMAOT_HOT_ROUND_MAX");
  if (round_max && strtoul(round_max, NULL, 10) >= 1 && strtoul(round_max, NULL, 10) <= 100000)
    g_round_max = (unsigned)strtoul(round_max, NULL, 10);
  free(round_max);
  char *lanes = take_env("WASMAOT_HOT_LANES");
  if (lanes && strtoul(lanes, NULL, 10) >= 1 && strtoul(lanes, NULL, 10) <= HOT_LANES_MAX)
    g_lanes = (unsigned)strtoul(lanes, NULL, 10);
  free(lanes);
  char *round_bytes = take_env("WASMAOT_HOT_ROUND_BYTES");
  if (round_bytes && strtoul(round_bytes, NULL, 10) >= 1)
    g_round_max_bytes = strtoul(round_bytes, NULL, 10);
  free(round_bytes);
  g_sync = sync && strcmp(sync, "1") == 0;
  g_verbose = verbose && strcmp(verbose, "1") == 0;
  unsigned long t = threshold && *threshold ? strtoul(threshold, NULL, 10) : 0;
  free(threshold), free(sync), free(verbose);
  if (!g_store || !g_compiler || wasmaot_hot_nfuncs == 0)
    return;
  g_store_fd = open(g_store, O_RDONLY | O_CLOEXEC);
  if (g_store_fd < 0)
    return;
  g_start = now_seconds();
  g_state = calloc(wasmaot_hot_nfuncs, 1);
  g_quick = calloc(wasmaot_hot_nfuncs, sizeof *g_quick);
  g_before_swap = calloc(wasmaot_hot_nfuncs, sizeof *g_before_swap);
  g_size = calloc(wasmaot_hot_nfuncs, sizeof *g_size);
  g_has_osr = calloc(wasmaot_hot_nfuncs, 1);
  g_seen = calloc(wasmaot_hot_nfuncs, sizeof *g_seen);
  g_recent = calloc(wasmaot_hot_nfuncs, sizeof *g_recent);
  g_samples = calloc(wasmaot_hot_nfuncs, sizeof *g_samples);
  if (!g_state || !g_quick || !g_before_swap || !g_size || !g_has_osr || !g_seen || !g_recent ||
      !g_samples)
    return;
  wasmaot_hot_quick_table(g_quick);
  read_sizes();
  atexit(wasmaot_exit_cleanup);
  catch_stop_signals();
  if (g_verbose)
    atexit(report_at_exit);
  if (!g_sync) {
    sigset_t all, saved;
    sigfillset(&all);
    pthread_attr_t attr;
    pthread_t thread;
    if (sem_init(&g_wake, 0, 0) != 0 || pthread_attr_init(&attr) != 0)
      return;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    int rc = 0;
    unsigned started = 0;
    for (unsigned lane = 0; lane < g_lanes && rc == 0; lane++)
      if ((rc = pthread_create(&thread, &attr, tierup_thread, (void *)(uintptr_t)lane)) == 0)
        started++;
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    pthread_attr_destroy(&attr);
    if (started == 0)
      return; /* no thread: the quick tier alone, as without tier-up */
    start_sampling();
  }
  wasmaot_hot_threshold = t >= 1 && t <= 0xffffffffUL ? (unsigned)t : HOT_THRESHOLD_DEFAULT;
}
