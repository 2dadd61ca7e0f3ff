/* The translation pipeline. See pipeline.h. */
#define _GNU_SOURCE
#include "error.h"
#include "pipeline.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "c_rewrite.h"
#include "data_segments.h"
#include "hot_rewrite.h"
#include "import_glue.h"
#include "module_check.h"
#include "spawn.h"
#include "wasm_module.h"

/* wasm2c's features: what wasmtime's CLI enables by default. SIMD, relaxed SIMD, exceptions
 * (both encodings), tail calls, multi-value, bulk memory, reference types, extended-const,
 * multi-memory and memory64 are on in wasm2c 1.0.42 already; threads (shared memory, atomics)
 * and custom page sizes are not. Enabling them only lets more modules through: the output for
 * a module that uses neither is the same. */
static char *const wasm2c_features[] = {"--enable-threads", "--enable-custom-page-sizes", NULL};

/* At most this many compilers at once, and C files per module. */
enum { MAX_JOBS = 32 };

/* The least code (bytes of the wasm code section) per C file when a module is split for
 * parallel compiles: smaller modules stay one file, where the C compiler can inline across
 * all of their functions (README, Codegen: what splitting costs). */
enum { SPLIT_MIN_CODE_BYTES = 64 * 1024 };

/* The most code per C file, whatever -j says: the compiler's memory grows with the size of
 * the file it compiles, and no build process may pass 1 GiB (README, Codegen: memory). Files
 * are still compiled -j at a time. */
enum { SPLIT_MAX_CODE_BYTES = 256 * 1024, MAX_PARTS = PIPELINE_MAX_PARTS };

/* The quick tier (README, The CLI: tiers): of the compilers and levels measured, the one that
 * built fastest and passes the spec suite, whatever the bounds mode: tcc (Debian's 0.9.27),
 * when installed, for every module it can compile (no SIMD, no atomics or shared memory: see
 * c_rewrite.h); else clang-16 -O0 (big_module 6.9 s against gcc -O0's 13.2 s, gcc -O1's
 * 22.8 s, clang-16 -O1's 51.4 s), gcc -O0 when clang-16 is not installed. The clang/gcc -O0
 * fallback also compiles the host main and links. */
enum { QUICK_OPT_LEVEL = 0 };

/* The host main's compile (clang -O2, ~0.1 s) takes about as long as tcc on this much C. */
enum { HOST_MAIN_TCC_BYTES = 5 * 1024 * 1024 };

/* Where Debian's tcc package puts libtcc1.a (its helpers: alloca, some conversions), and where
 * tcc's own `make install` does. tcc's objects need it whoever links them. */
static const char *const libtcc1_candidates[] = {"/usr/lib/x86_64-linux-gnu/tcc/libtcc1.a",
                                                 "/usr/lib/tcc/libtcc1.a",
                                                 "/usr/local/lib/tcc/libtcc1.a", NULL};

const char *pipeline_libtcc1_path(void) {
  static const char *path;
  static int looked;
  if (!looked) {
    looked = 1;
    for (int i = 0; libtcc1_candidates[i] && !path; i++)
      if (access(libtcc1_candidates[i], R_OK) == 0)
        path = libtcc1_candidates[i];
  }
  return path;
}

const char *pipeline_tcc_path(void) {
  static char *path;
  static int looked;
  if (!looked) {
    looked = 1;
    /* $WASMAOT_NO_TCC=1: the quick tier as without tcc (tests of the fallback, measurements) */
    const char *off = getenv("WASMAOT_NO_TCC");
    if (!(off && *off && strcmp(off, "0") != 0) && pipeline_libtcc1_path())
      path = spawn_find_program("tcc");
  }
  return path;
}

static char g_last_guest_compiler[256];

const char *pipeline_last_guest_compiler(void) {
  return g_last_guest_compiler;
}

/* The default C compiler with guard pages: Debian's clang-16 package, gcc when it is not
 * installed (see build_options_resolve). */
static const char *default_cc(void) {
  static const char *cc;
  if (!cc) {
    char *p = spawn_find_program("clang-16");
    cc = p ? "clang-16" : "gcc";
    free(p);
  }
  return cc;
}

void build_options_default(struct build_options *o) {
  o->cc = NULL;      /* resolved by build_options_resolve() */
  o->opt_level = -1; /* likewise */
  o->bounds = BOUNDS_GUARD;
  o->keep_c = NULL;
  o->sanitize = 0;
  o->unknown_imports = UNKNOWN_IMPORTS_ERROR;
  o->jobs = 0; /* resolved by build_options_resolve() */
  o->serve = 0;
  o->host_main = NULL;
  o->tier = TIER_UNSET;
  o->tcc = 0;
  o->hot = 0;
}

static enum bounds_mode effective_bounds(const struct build_options *o) {
  /* ASan owns SIGSEGV, so a sanitized build uses explicit bounds checks. */
  return o->sanitize ? BOUNDS_CHECK : o->bounds;
}

/* What the command line left open, the fastest conformant choice measured for its bounds mode
 * (README, Codegen; every configuration passes the same spec tests):
 *  - guard pages: clang-16 -O3. clang-16 ran cpu-hash ~13% faster than gcc 12 and -O3 ~3%
 *    faster than -O2 in interleaved timings. gcc -O3 when clang-16 is not installed (gcc -O3
 *    and -O2 were within noise).
 *  - explicit checks: gcc -O2, which ran cpu-hash 7-16% faster than clang-16 -O3 there. */
void build_options_resolve(struct build_options *o) {
  int guard = effective_bounds(o) == BOUNDS_GUARD;
  if (o->cc || o->opt_level >= 0)
    o->tier = TIER_EXPLICIT;
  else if (o->tier == TIER_QUICK)
    o->cc = default_cc(), o->opt_level = QUICK_OPT_LEVEL, o->tcc = pipeline_tcc_path() != NULL;
  else if (o->tier != TIER_AUTO)
    o->tier = TIER_OPTIMIZED;
  if (!o->cc)
    o->cc = guard ? default_cc() : "gcc";
  if (o->opt_level < 0)
    o->opt_level = guard ? 3 : 2;
  long n = o->jobs;
  if (n <= 0) {
    const char *env = getenv("WASMAOT_JOBS");
    n = env && *env ? strtol(env, NULL, 10) : 0;
    if (n <= 0)
      n = sysconf(_SC_NPROCESSORS_ONLN);
  }
  o->jobs = n < 1 ? 1 : n > MAX_JOBS ? MAX_JOBS : (int)n;
}

int pipeline_split_count(uint32_t code_size, int jobs) {
  /* $WASMAOT_SPLIT_MIN_CODE overrides the size, for measuring what splitting costs (README,
   * Codegen); 0 splits every module into `jobs` files. $WASMAOT_SPLIT_MAX_CODE likewise the
   * most code per file. */
  const char *env = getenv("WASMAOT_SPLIT_MIN_CODE");
  unsigned long min = env && *env ? strtoul(env, NULL, 10) : SPLIT_MIN_CODE_BYTES;
  unsigned long parts = min ? code_size / min : (unsigned long)jobs;
  if (parts > (unsigned long)jobs)
    parts = (unsigned long)jobs;
  env = getenv("WASMAOT_SPLIT_MAX_CODE");
  unsigned long max = env && *env ? strtoul(env, NULL, 10) : SPLIT_MAX_CODE_BYTES;
  if (max && (code_size + max - 1) / max > parts) /* the memory bound: more, smaller files */
    parts = (code_size + max - 1) / max;
  if (parts > MAX_PARTS)
    parts = MAX_PARTS;
  return parts < 1 ? 1 : (int)parts;
}

void build_options_describe(const struct build_options *o, char *buf, size_t len) {
  static const char *const unknown[] = {"", ";unknown-imports=trap", ";unknown-imports=default"};
  snprintf(buf, len, "cc=%s;O%d;bounds=%s%s%s%s%s%s%s%s", o->cc, o->opt_level,
           o->bounds == BOUNDS_GUARD ? "guard" : "check", o->tcc ? ";quick-cc=tcc" : "",
           o->sanitize ? ";sanitize" : "", unknown[o->unknown_imports],
           o->serve ? ";host=serve" : "", o->host_main ? ";host-main=" : "",
           o->host_main ? o->host_main : "", o->hot ? ";hot" : "");
}

const char *pipeline_wasm2c_path(void) {
  static char path[PATH_MAX + 64];
  if (path[0])
    return path;
  const char *env = getenv("WASMAOT_WASM2C");
  if (env && *env)
    snprintf(path, sizeof path, "%s", env);
  else
    snprintf(path, sizeof path, "%s/libexec/wasm2c", pipeline_share_dir());
  return path;
}

const char *pipeline_share_dir(void) {
  static char dir[PATH_MAX + 32];
  if (dir[0])
    return dir;
  const char *env = getenv("WASMAOT_SHARE_DIR");
  if (env && *env) {
    snprintf(dir, sizeof dir, "%s", env);
    return dir;
  }
  /* Always beside the executable (build/bin -> build/share, PREFIX/bin -> PREFIX/share), never
   * a path compiled in: a moved or packaged prefix must not quietly use the build tree's
   * runtime. If it is missing, the error names this path. /proc/self/exe has no symlinks, so
   * dropping two components is the same as "/../..". */
  char exe[PATH_MAX] = "/proc/self/exe: unreadable/bin/wasmaot";
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0)
    exe[n] = 0;
  for (int up = 0; up < 2; up++) {
    char *slash = strrchr(exe, '/');
    if (slash)
      *slash = 0;
  }
  snprintf(dir, sizeof dir, "%s/share/wasmaot", exe);
  return dir;
}

/* The build's scratch directory. Everything in it is ours and goes at the end, or when we are
 * interrupted mid-build: nothing partial may stay behind. */
static char g_tmp_dir[PATH_MAX], g_tmp_hot[2 * PATH_MAX + 32];
/* The directory beside the output the executable is linked in (OUT.wasmaot-tmp-PID/): the
 * linker's own temporaries (ld.lld writes NAME.tmpXXXXXXX and renames it) fall in it too, so
 * an interrupted link leaves nothing beside the output whatever the linker was doing. */
static char g_link_dir[2 * PATH_MAX];
/* A file of the caller's that goes with the build's end, however it ends (run's KEY.lock). */
static char g_remove_at_end[PATH_MAX + 32];

void pipeline_remove_at_end(const char *path) {
  snprintf(g_remove_at_end, sizeof g_remove_at_end, "%s", path ? path : "");
}

/* Empties and removes a directory of ours (the scratch directory, the link directory). Called
 * from the signal handler too, so async-signal-safe: getdents64 and unlinkat, no opendir. */
static void remove_dir(const char *path) {
  int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  /* Entries unlinked while reading may shift the rest: read again until a pass finds none. */
  for (int pass = 0, found = 1; dfd >= 0 && found && pass < 8; pass++) {
    char buf[4096] __attribute__((aligned(8)));
    ssize_t n;
    found = 0;
    lseek(dfd, 0, SEEK_SET);
    while ((n = syscall(SYS_getdents64, dfd, buf, sizeof buf)) > 0)
      for (ssize_t at = 0; at < n;) {
        struct dirent64 *e = (struct dirent64 *)(void *)(buf + at);
        at += e->d_reclen;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
          continue;
        unlinkat(dfd, e->d_name, 0);
        found = 1;
      }
  }
  if (dfd >= 0)
    close(dfd);
  rmdir(path);
}

/* Removes the scratch and link directories and the partial outputs (async-signal-safe). */
static void remove_temporaries(void) {
  if (g_link_dir[0])
    remove_dir(g_link_dir);
  if (g_remove_at_end[0])
    unlink(g_remove_at_end);
  if (g_tmp_hot[0])
    unlink(g_tmp_hot);
  if (g_tmp_dir[0])
    remove_dir(g_tmp_dir);
}

/* The c_rewrite workers running (rewrite_parts), stopped by the signal handler before it
 * removes the scratch directory they write in. */
static volatile pid_t g_workers[64];

static void stop_rewrite_workers(void) {
  for (int w = 0; w < 64; w++) {
    pid_t pid = g_workers[w];
    if (pid > 0) {
      kill(pid, SIGKILL);
      while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
      g_workers[w] = 0;
    }
  }
}

/* SIGINT, SIGTERM or SIGHUP mid-build: stop the compilers and wasm2c (each in its own process
 * group), then clean up, then die of the same signal. */
static void on_signal(int sig) {
  spawn_stop_all();
  stop_rewrite_workers();
  remove_temporaries();
  signal(sig, SIG_DFL);
  raise(sig);
}

static const int g_stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
static struct sigaction g_saved_actions[3];

/* on_signal for the stop signals not ignored (under nohup, SIGHUP stays ignored), the actions
 * saved; or, with handler NULL, the saved actions back. */
static void set_stop_handlers(void (*handler)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < 3; i++) /* one handler at a time, whichever signal came first */
    sigaddset(&sa.sa_mask, g_stop_signals[i]);
  for (int i = 0; i < 3; i++) {
    if (!handler) {
      sigaction(g_stop_signals[i], &g_saved_actions[i], NULL);
      continue;
    }
    sigaction(g_stop_signals[i], NULL, &g_saved_actions[i]);
    if (g_saved_actions[i].sa_handler != SIG_IGN)
      sigaction(g_stop_signals[i], &sa, NULL);
  }
}

static int begin_scratch(char *err, size_t errlen) {
  const char *tmp = getenv("TMPDIR");
  snprintf(g_tmp_dir, sizeof g_tmp_dir, "%s/wasmaot-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(g_tmp_dir)) {
    g_tmp_dir[0] = 0;
    return set_error(err, errlen, "cannot create a temporary directory: %s", strerror(errno));
  }
  set_stop_handlers(on_signal);
  return 0;
}

static void end_scratch(void) {
  remove_temporaries();
  g_tmp_dir[0] = g_link_dir[0] = g_tmp_hot[0] = g_remove_at_end[0] = 0;
  set_stop_handlers(NULL);
}

/* Writes the module's bytes into the scratch directory as `copy`: wasm2c translates that copy,
 * never the user's path again, so what is translated is exactly what was checked and hashed
 * (the file may have been replaced since; it may be a pipe that reads only once). The copy
 * has its active data segments emptied when *ds says how (data_segments.h; fills *ds). */
static int write_module_copy(const uint8_t *module, size_t module_len, struct data_strip *ds,
                             char *copy, size_t copylen, char *err, size_t errlen) {
  if (data_strip_module(module, module_len, ds) != 0)
    return set_error(err, errlen, "out of memory");
  const uint8_t *bytes = ds->module ? ds->module : module;
  size_t len = ds->module ? ds->module_len : module_len;
  snprintf(copy, copylen, "%s/input.wasm", g_tmp_dir);
  int fd = open(copy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  size_t done = 0;
  while (fd >= 0 && done < len) {
    ssize_t n = write(fd, bytes + done, len - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    done += (size_t)n;
  }
  if (fd < 0 || done < len || close(fd) != 0) {
    int e = errno;
    if (fd >= 0 && done < len)
      close(fd);
    return set_error(err, errlen, "cannot write %s: %s", copy, strerror(e));
  }
  return 0;
}

/* wasm2c's messages name the file it read, the private copy: name the user's file instead. */
static void name_input_in_error(char *err, size_t errlen, const char *copy, const char *in_path) {
  char *at = strstr(err, copy);
  if (!at)
    return;
  char rest[2048];
  snprintf(rest, sizeof rest, "%s", at + strlen(copy));
  snprintf(at, errlen - (size_t)(at - err), "%s%s", in_path, rest);
}

/* The one-line error for a tool that ended with status rc and said `out`. */
static int tool_error(int rc, char *out, const char *tool, const char *what, char *err,
                      size_t errlen) {
  if (rc == 127 && strncmp(out, "cannot run", 10) == 0)
    return set_error(err, errlen, "%s not found (%s); run `make deps` or install it", tool, what);
  const char *reason = spawn_first_line(out);
  if (*reason)
    return set_error(err, errlen, "%s failed: %s", what, reason);
  /* Nothing said (wasm2c 1.0.42 aborts silently on some valid modules): say how it ended. */
  /* wasm2c 1.0.42's silent aborts, as far as they are known (README, Spec conformance). */
  const char *known = rc == 128 + SIGABRT && strcmp(what, "wasm2c") == 0
                          ? "; wasm2c 1.0.42 aborts so on relaxed-SIMD instructions and on "
                            "memory.atomic.wait/notify"
                          : "";
  if (rc > 128)
    return set_error(err, errlen, "%s failed: killed by signal %d (%s) without a message%s", what,
                     rc - 128, strsignal(rc - 128), known);
  return set_error(err, errlen, "%s failed: exit status %d without a message", what, rc);
}

static int run_tool(char *const argv[], const char *what, char *err, size_t errlen) {
  char out[8192];
  int rc = spawn_capture(argv, out, sizeof out);
  return rc == 0 ? 0 : tool_error(rc, out, argv[0], what, err, errlen);
}

static int copy_file(const char *from, const char *to) {
  FILE *a = fopen(from, "rb"), *b = a ? fopen(to, "wb") : NULL;
  char buf[65536];
  size_t n;
  int ok = a && b;
  while (ok && (n = fread(buf, 1, sizeof buf, a)) > 0)
    ok = fwrite(buf, 1, n, b) == n;
  if (a)
    fclose(a);
  if (b && fclose(b) != 0)
    ok = 0;
  return ok ? 0 : -1;
}

void pipeline_guest_cflags(const struct build_options *o, struct guest_cflags *f) {
  int n = 0;
  snprintf(f->opt, sizeof f->opt, "-O%d", o->opt_level);
  /* The one knob; wasmaot-runtime.h (force-included, before wasm2c's own wasm-rt.h) derives
   * wabt's from it, for the guest exactly as for the runtime libraries. */
  snprintf(f->memcheck, sizeof f->memcheck, "-DWASMAOT_BOUNDS_CHECK=%d",
           effective_bounds(o) == BOUNDS_CHECK);
  snprintf(f->include, sizeof f->include, "-I%s/include", pipeline_share_dir());
  if (o->tcc) {
    /* tcc: no optimiser, so none of the conformance flags below concern it (it keeps IEEE
     * rounding and signalling NaNs as written, and makes every call a call); its missing
     * builtins and wabt's guard-page knob come from wasmaot-tcc.h. -O0 only names the level
     * (tcc ignores it). */
    f->argv[n++] = "tcc"; /* found on PATH, as pipeline_tcc_path() found it */
    f->argv[n++] = f->opt;
    f->argv[n++] = f->memcheck;
    f->argv[n++] = f->include;
    f->argv[n++] = "-include";
    f->argv[n++] = "wasmaot-tcc.h";
    f->argv[n++] = "-include";
    f->argv[n++] = "wasmaot-runtime.h";
    f->argv[n++] = "-w";
    f->argv[n] = NULL;
    f->argc = n;
    return;
  }
  f->argv[n++] = (char *)o->cc;
  f->argv[n++] = f->opt;
  /* Conformance flags from wasm2c's documentation: no sibling-call optimisation (stack
   * exhaustion must trap, not loop), IEEE rounding kept, signalling NaNs kept. clang has no
   * -fsignaling-nans, but its -frounding-math switches to strict (constrained) floating
   * point, which also stops it folding x*1.0 into x for a signalling NaN: without it, clang
   * fails 24 float_exprs spec commands. Costs nothing on integer code. */
  f->argv[n++] = "-fno-optimize-sibling-calls";
  f->argv[n++] = "-frounding-math";
  if (strstr(o->cc, "clang") == NULL) {
    f->argv[n++] = "-fsignaling-nans";
    /* wasm2c makes every wasm function a static C function with dozens of locals; GCC
     * inlines the ones called once into their caller, and the merged functions spill: on
     * cpu-hash it took the SHA-256 compression function into its caller's loop and ran
     * ~15% more instructions, ~8% more CPU time (README, Codegen). */
    f->argv[n++] = "-fno-inline-functions-called-once";
    /* GCC's interprocedural side-effect analysis treats a cycle of calls that has no side
     * effect as removable; in wasm such infinite recursion must exhaust the stack and trap
     * (with guard pages nothing else marks it: call.wast's mutual-runaway returned at -O1).
     * Measured cost on cpu-hash: +0.02% instructions. */
    f->argv[n++] = "-fno-ipa-modref";
    f->argv[n++] = "-fno-ipa-pure-const";
  }
  f->argv[n++] = f->memcheck;
  f->argv[n++] = f->include;
  f->argv[n++] = "-include";
  f->argv[n++] = "wasmaot-runtime.h";
  f->argv[n++] = "-w"; /* generated code: wabt's warnings are not ours to fix */
  f->argv[n] = NULL;
  f->argc = n;
}

/* ---- The commands of a build, each defined once ------------------------------------------ *
 * pipeline_build runs them with real paths; `wasmaot info --json` prints them with placeholders
 * ({dir}/guest.c, ...) so that tools rebuild exactly what `wasmaot build` does. */

static char *cmd_str(struct pipeline_cmd *c, const char *fmt, const char *a, const char *b) {
  char *at = c->store + c->used;
  int n = snprintf(at, sizeof c->store - c->used, fmt, a, b);
  if (n < 0 || (size_t)n >= sizeof c->store - c->used)
    n = (int)(sizeof c->store - c->used - 1); /* cut off; paths are far shorter than the store */
  c->used += (size_t)n + 1;
  return at;
}

static void cmd_begin(struct pipeline_cmd *c) {
  c->argc = 0;
  c->used = 0;
  c->argv[0] = NULL;
}

static void cmd_add(struct pipeline_cmd *c, const char *arg) {
  if (c->argc < (int)(sizeof c->argv / sizeof c->argv[0]) - 1) {
    c->argv[c->argc++] = (char *)arg;
    c->argv[c->argc] = NULL;
  }
}

void pipeline_wasm2c_argv(const char *in_path, const char *module_name, const char *c_path,
                          int nparts, struct pipeline_cmd *c) {
  cmd_begin(c);
  cmd_add(c, pipeline_wasm2c_path());
  for (int i = 0; wasm2c_features[i]; i++)
    cmd_add(c, wasm2c_features[i]);
  if (nparts > 1) {
    char n[16];
    snprintf(n, sizeof n, "%d", nparts);
    cmd_add(c, cmd_str(c, "--num-outputs=%s%s", n, ""));
  }
  cmd_add(c, in_path);
  cmd_add(c, "-n");
  cmd_add(c, module_name);
  cmd_add(c, "-o");
  cmd_add(c, c_path);
}

void pipeline_guest_compile_argv(const struct build_options *o, const char *dir, const char *c_path,
                                 const char *o_path, struct pipeline_cmd *c) {
  cmd_begin(c);
  pipeline_guest_cflags(o, &c->guest);
  for (int i = 0; i < c->guest.argc; i++)
    cmd_add(c, c->guest.argv[i]);
  if (!o->tcc) /* (tcc builds assemble their data separately: pipeline_data_assemble_argv) */
    cmd_add(c, cmd_str(c, "-Wa,-I%s%s", dir, "")); /* where the assembler finds STEM.data */
  cmd_add(c, "-c");
  cmd_add(c, c_path);
  cmd_add(c, "-o");
  cmd_add(c, o_path);
}

void pipeline_data_assemble_argv(const char *dir, const char *s_path, const char *o_path,
                                 struct pipeline_cmd *c) {
  cmd_begin(c);
  cmd_add(c, "as");
  cmd_add(c, cmd_str(c, "-I%s%s", dir, "")); /* where .incbin finds STEM.data */
  cmd_add(c, s_path);
  cmd_add(c, "-o");
  cmd_add(c, o_path);
}

/* The host main's flags: the guest's bounds knob and include directory, its own -O2. */
static void host_cflags(const struct build_options *o, struct pipeline_cmd *c) {
  pipeline_guest_cflags(o, &c->guest);
  cmd_add(c, o->cc);
  cmd_add(c, "-O2");
  /* (the define is a harmless placeholder so the host-main argv keeps one shape) */
  cmd_add(c, o->sanitize ? "-fsanitize=address,undefined" : "-DWASMAOT_NO_SANITIZE");
  cmd_add(c, c->guest.memcheck);
  cmd_add(c, c->guest.include);
  cmd_add(c, "-include");
  cmd_add(c, "wasmaot-runtime.h");
}

void pipeline_host_cflags(const struct build_options *o, struct pipeline_cmd *c) {
  cmd_begin(c);
  host_cflags(o, c);
}

const char *pipeline_host_main_source(const struct build_options *o) {
  static char path[PATH_MAX + 64];
  if (o->host_main)
    return o->host_main;
  snprintf(path, sizeof path, "%s/src/%s", pipeline_share_dir(),
           o->serve ? "serve_main.c" : "host_main.c");
  return path;
}

void pipeline_host_compile_argv(const struct build_options *o, const char *guest_h,
                                const char *glue_h, const char *host_o, struct pipeline_cmd *c) {
  cmd_begin(c);
  host_cflags(o, c);
  cmd_add(c, "-include");
  cmd_add(c, guest_h);
  cmd_add(c, "-include");
  cmd_add(c, glue_h);
  cmd_add(c, "-c");
  cmd_add(c, cmd_str(c, "%s%s", pipeline_host_main_source(o), ""));
  cmd_add(c, "-o");
  cmd_add(c, host_o);
}

/* The runtime libraries and system libraries, in link order. */
static void link_libraries(const struct build_options *o, struct pipeline_cmd *c) {
  const char *share = pipeline_share_dir(), *san_suffix = o->sanitize ? "-san" : "";
  char lib[64];
  if (o->serve) {
    snprintf(lib, sizeof lib, "libwasmaot-serve%s.a", san_suffix);
    cmd_add(c, cmd_str(c, "%s/lib/%s", share, lib));
  }
  snprintf(lib, sizeof lib, "libwasmaot-rt-%s%s.a",
           effective_bounds(o) == BOUNDS_GUARD ? "guard" : "check", san_suffix);
  cmd_add(c, cmd_str(c, "%s/lib/%s", share, lib));
  snprintf(lib, sizeof lib, "libwasmaot-wasi%s.a", san_suffix);
  cmd_add(c, cmd_str(c, "%s/lib/%s", share, lib));
  if (o->tcc && pipeline_libtcc1_path())
    cmd_add(c, pipeline_libtcc1_path()); /* tcc's helpers, which its objects call */
  cmd_add(c, "-lm");
  cmd_add(c, "-lpthread"); /* shared memories' locks (threads proposal) */
}

void pipeline_link_libraries(const struct build_options *o, struct pipeline_cmd *c) {
  cmd_begin(c);
  link_libraries(o, c);
}

/* Whether ld.lld is on PATH (Debian's lld package), looked up once. */
static int lld_available(void) {
  static int known = -1;
  if (known < 0) {
    char *path = spawn_find_program("ld.lld");
    known = path != NULL;
    free(path);
  }
  return known;
}

void pipeline_link_argv(const struct build_options *o, const char *const *guest_objs, int nguest,
                        const char *host_o, const char *out, struct pipeline_cmd *c) {
  cmd_begin(c);
  cmd_add(c, o->cc);
  if (o->sanitize)
    cmd_add(c, "-fsanitize=address,undefined");
  if (o->serve) /* see runtime-support/serve/instance.c */
    cmd_add(c, "-Wl,--wrap=wasm_rt_allocate_memory,--wrap=wasm_rt_allocate_funcref_table,"
               "--wrap=wasm_rt_allocate_externref_table,--wrap=wasm_rt_allocate_memory_shared");
  /* tcc's objects (and libtcc1.a's) carry no .note.GNU-stack, which ld takes to mean they
   * need an executable stack: the executable's stack would be RWE. They do not. (The data
   * objects have the note: c_rewrite writes it.) */
  if (o->tcc)
    cmd_add(c, "-Wl,-z,noexecstack");
  if (o->hot) /* the hot code's shared objects call the runtime and the imports in it */
    cmd_add(c, "-rdynamic");
  /* lld links CPython's quick tier (53 MB) in 0.13-0.16 s where ld.bfd takes 0.35-0.44 s. */
  if (lld_available())
    cmd_add(c, "-fuse-ld=lld");
  for (int i = 0; i < nguest; i++)
    cmd_add(c, guest_objs[i]);
  cmd_add(c, host_o);
  link_libraries(o, c);
  cmd_add(c, "-o");
  cmd_add(c, out);
}

/* The name of part i of a module translated into nparts C files: STEM, or STEM_i when split
 * (wasm2c --num-outputs names its files so). */
static void part_name(char *buf, size_t len, const char *stem, int nparts, int i) {
  if (nparts > 1)
    snprintf(buf, len, "%s_%d", stem, i);
  else
    snprintf(buf, len, "%s", stem);
}

/* The parts' indices, largest C file first (their sizes into size[], 0 if unreadable): the
 * work that takes longest is started first. */
static void parts_by_size(const char *stem, int nparts, int *order, long long *size) {
  for (int i = 0; i < nparts; i++) {
    char part[NAME_MAX + 1], name[2 * PATH_MAX];
    struct stat st;
    part_name(part, sizeof part, stem, nparts, i);
    snprintf(name, sizeof name, "%s/%s.c", g_tmp_dir, part);
    size[i] = stat(name, &st) == 0 ? (long long)st.st_size : 0;
    int k = i;
    for (; k > 0 && size[order[k - 1]] < size[i]; k--)
      order[k] = order[k - 1];
    order[k] = i;
  }
}

/* The outcome of c_rewrite on one part. */
struct part_rewrite {
  int rc; /* 0, or -1 with err */
  struct c_rewrite_stats stats;
  char err[512];
};

struct rewrite_ctx {
  const char *stem;
  int nparts, separate_asm;
  const struct data_strip *ds;
};

static void rewrite_part(int i, void *ctx, void *out) {
  const struct rewrite_ctx *c = ctx;
  struct part_rewrite *r = out;
  char part[NAME_MAX + 1], data_name[NAME_MAX + 8], data_path[2 * PATH_MAX];
  char c_path[2 * PATH_MAX], asm_path[2 * PATH_MAX + 8];
  part_name(part, sizeof part, c->stem, c->nparts, i);
  snprintf(c_path, sizeof c_path, "%s/%s.c", g_tmp_dir, part);
  snprintf(data_name, sizeof data_name, "%s.data", part);
  snprintf(data_path, sizeof data_path, "%s/%s", g_tmp_dir, data_name);
  snprintf(asm_path, sizeof asm_path, "%s.s", data_path);
  /* Every part may hold init_memories (one does): each is given the active segments. */
  r->rc = c_rewrite(c_path, data_path, data_name, c->separate_asm ? asm_path : NULL, c->ds->active,
                    c->ds->nactive, &r->stats, r->err, sizeof r->err);
}

/* One piece of work on part i of a split module, its outcome into `out` (a record of the
 * size given to parts_in_workers). */
typedef void part_work(int i, void *ctx, void *out);

/* What a worker reports of one part, through the pipe: the part's index, then its record. */
enum { PART_RECORD_MAX = 1024 };
struct part_record {
  int index;
  _Alignas(max_align_t) unsigned char outcome[PART_RECORD_MAX];
};
_Static_assert(sizeof(struct part_record) <= PIPE_BUF, "a record is written whole");
_Static_assert(sizeof(struct part_rewrite) <= PART_RECORD_MAX, "a rewrite's record fits");
_Static_assert(sizeof(struct hot_part) <= PART_RECORD_MAX, "an instrumentation's record fits");

/* work(i, ctx, outs + i * size) for every part i: split across `jobs` forked workers (each
 * part is a pass over megabytes of C: CPython's 150 MB took 0.7-1 s in one process), or here
 * when there is one part or one job. -1 if a worker died without saying how its parts went. */
static int parts_in_workers(const char *stem, int nparts, int jobs, part_work *work, void *ctx,
                            void *outs, size_t size) {
  int workers = jobs < nparts ? jobs : nparts;
  unsigned char *out = outs;
  if (workers <= 1 || size > PART_RECORD_MAX) {
    for (int i = 0; i < nparts; i++)
      work(i, ctx, out + (size_t)i * size);
    return 0;
  }
  /* The parts go to the workers through a pipe, largest first, each taken by the first worker
   * free (round robin left one worker with most of the C: svg-flatten's parts are 3-7 MB). */
  int fds[2], todo[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return -1;
  if (pipe2(todo, O_CLOEXEC) != 0) {
    close(fds[0]), close(fds[1]);
    return -1;
  }
  int *order = malloc((size_t)nparts * sizeof *order);
  long long *psize = malloc((size_t)nparts * sizeof *psize);
  char *reported = calloc((size_t)nparts, 1);
  if (!order || !psize || !reported || (size_t)nparts * sizeof(int) > PIPE_BUF * 16) {
    free(order), free(psize), free(reported);
    close(fds[0]), close(fds[1]), close(todo[0]), close(todo[1]);
    for (int i = 0; i < nparts; i++)
      work(i, ctx, out + (size_t)i * size);
    return 0;
  }
  parts_by_size(stem, nparts, order, psize);
  /* every index fits in the pipe's buffer at once (64 KiB on Linux; checked above) */
  ssize_t queued = write(todo[1], order, (size_t)nparts * sizeof *order);
  close(todo[1]);
  free(order), free(psize);
  if (queued != (ssize_t)(nparts * sizeof(int))) {
    free(reported);
    close(fds[0]), close(fds[1]), close(todo[0]);
    return -1;
  }
  int started = 0; /* workers forked: g_workers[0 .. started-1] */
  if (workers > 64)
    workers = 64;
  /* The stop signals wait while a worker is started and registered (g_workers). */
  sigset_t stop, old;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT), sigaddset(&stop, SIGTERM), sigaddset(&stop, SIGHUP);
  pid_t parent = getpid();
  size_t rec_len = offsetof(struct part_record, outcome) + size; /* < PIPE_BUF: written whole */
  for (int w = 0; w < workers; w++) {
    sigprocmask(SIG_BLOCK, &stop, &old);
    pid_t pid = fork();
    if (pid == 0) {
      /* A worker: the parent's clean-up handlers are not ours; we die with it. */
      signal(SIGTERM, SIG_DFL), signal(SIGINT, SIG_DFL), signal(SIGHUP, SIG_DFL);
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      sigprocmask(SIG_SETMASK, &old, NULL);
      if (getppid() != parent) /* it is gone already */
        _exit(1);
      close(fds[0]);
      int i;
      while (read(todo[0], &i, sizeof i) == (ssize_t)sizeof i) { /* 4 bytes: taken whole */
        struct part_record rec;
        memset(&rec, 0, sizeof rec);
        rec.index = i;
        work(i, ctx, rec.outcome);
        if (write(fds[1], &rec, rec_len) != (ssize_t)rec_len)
          _exit(1);
      }
      _exit(0);
    }
    if (pid > 0)
      g_workers[started++] = pid;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (pid < 0)
      break;
  }
  close(fds[1]);
  close(todo[0]);
  int nreported = 0;
  for (;;) {
    struct part_record rec;
    ssize_t n = read(fds[0], &rec, rec_len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n != (ssize_t)rec_len)
      break;
    if (rec.index >= 0 && rec.index < nparts && !reported[rec.index]) {
      memcpy(out + (size_t)rec.index * size, rec.outcome, size);
      reported[rec.index] = 1;
      nreported++;
    }
  }
  close(fds[0]);
  free(reported);
  for (int w = 0; w < started; w++) {
    while (waitpid(g_workers[w], NULL, 0) < 0 && errno == EINTR)
      ;
    g_workers[w] = 0;
  }
  return started == workers && nreported == nparts ? 0 : -1;
}

/* wasm2c + data segments out, in the scratch directory: `in_path` becomes STEM.c and STEM.h,
 * or split into nparts files STEM_0.c ... with STEM.h and STEM-impl.h; the data segments of
 * each PART.c go into PART.data, and the headers get what wasm2c left out of them. With
 * separate_asm (tcc builds), each PART.c that has data gets PART.data.s to assemble, and
 * has_asm[part] says so. *needs: the C_NEEDS_* of the whole module; wasm_funcs (if not NULL):
 * each part's number of wasm functions. */
static int translate(const char *in_path, const char *module_name, const char *stem, int nparts,
                     const struct data_strip *ds, int separate_asm, int jobs, char *has_asm,
                     size_t *wasm_funcs, int *needs, char *err, size_t errlen) {
  char c_path[2 * PATH_MAX], h_path[2 * PATH_MAX];
  snprintf(c_path, sizeof c_path, "%s/%s.c", g_tmp_dir, stem);
  static struct pipeline_cmd cmd;
  pipeline_wasm2c_argv(in_path, module_name, c_path, nparts, &cmd);
  if (access(cmd.argv[0], X_OK) != 0)
    return set_error(err, errlen, "wasm2c not found at %s; run `make deps` or set WASMAOT_WASM2C",
                     cmd.argv[0]);
  if (run_tool(cmd.argv, "wasm2c", err, errlen) != 0)
    return -1;
  size_t filled = 0;
  *needs = 0;
  struct part_rewrite *done = calloc((size_t)nparts, sizeof *done);
  if (!done)
    return set_error(err, errlen, "out of memory");
  struct rewrite_ctx ctx = {stem, nparts, separate_asm, ds};
  if (parts_in_workers(stem, nparts, jobs, rewrite_part, &ctx, done, sizeof *done) != 0) {
    free(done);
    return set_error(err, errlen, "cannot rewrite the generated C (a worker failed)");
  }
  for (int i = 0; i < nparts; i++) {
    if (done[i].rc != 0) {
      set_error(err, errlen, "%s", done[i].err);
      free(done);
      return -1;
    }
    filled += done[i].stats.active_filled;
    has_asm[i] = (char)done[i].stats.asm_written;
    *needs |= done[i].stats.needs;
    if (wasm_funcs)
      wasm_funcs[i] = done[i].stats.wasm_funcs;
  }
  free(done);
  if (filled != ds->nactive)
    return set_error(err, errlen,
                     "generated C loads %zu of the module's %zu active data segments: "
                     "wasm2c's output is not what wasmaot expects",
                     filled, ds->nactive);
  const char *headers[] = {".h", "-impl.h"};
  for (int i = 0; i < (nparts > 1 ? 2 : 1); i++) {
    snprintf(h_path, sizeof h_path, "%s/%s%s", g_tmp_dir, stem, headers[i]);
    /* guest-impl.h, a split module's declarations shared by its parts, holds the SIMDe and
     * atomics includes there; its multi-value structs are not at the module's boundary (all
     * the parts are compiled by the same compiler). */
    int header_needs = 0;
    if (c_rewrite_header(h_path, &header_needs, err, errlen) != 0)
      return -1;
    *needs |= i == 0 ? header_needs : header_needs & ~C_NEEDS_MULTI_VALUE_ABI;
  }
  return 0;
}

/* The compile command of one translated C file, PART.c into PART.o, and for tcc builds the
 * assembly of its data, PART.data.s into PART.data.o. */
struct part_compile {
  struct pipeline_cmd cmd, data_cmd;
  char c_path[2 * PATH_MAX], o_path[2 * PATH_MAX];
  char s_path[2 * PATH_MAX + 8], data_o_path[2 * PATH_MAX + 8];
};

static void part_compile_init(struct part_compile *p, const struct build_options *o,
                              const char *part, int has_asm) {
  snprintf(p->c_path, sizeof p->c_path, "%s/%s.c", g_tmp_dir, part);
  snprintf(p->o_path, sizeof p->o_path, "%s/%s.o", g_tmp_dir, part);
  pipeline_guest_compile_argv(o, g_tmp_dir, p->c_path, p->o_path, &p->cmd);
  p->data_cmd.argv[0] = NULL;
  if (has_asm) {
    snprintf(p->s_path, sizeof p->s_path, "%s/%s.data.s", g_tmp_dir, part);
    snprintf(p->data_o_path, sizeof p->data_o_path, "%s/%s.data.o", g_tmp_dir, part);
    pipeline_data_assemble_argv(g_tmp_dir, p->s_path, p->data_o_path, &p->data_cmd);
  }
}

/* The options the module's guest C is compiled with: o, but without tcc when the module needs
 * what tcc lacks (decided before compiling anything, from the generated C: c_rewrite.h), and
 * notes the compiler for -v. */
static struct build_options guest_options(const struct build_options *o, int needs) {
  struct build_options g = *o;
  if (o->tcc && needs) {
    g.tcc = 0;
    snprintf(g_last_guest_compiler, sizeof g_last_guest_compiler,
             "%s -O%d (the module uses %s, which tcc cannot take)", o->cc, o->opt_level,
             needs & C_NEEDS_SIMD      ? "SIMD"
             : needs & C_NEEDS_ATOMICS ? "atomics or shared memory"
                                       : "multi-value results at its boundary");
  } else if (o->tcc) {
    snprintf(g_last_guest_compiler, sizeof g_last_guest_compiler, "tcc");
  } else {
    snprintf(g_last_guest_compiler, sizeof g_last_guest_compiler, "%s -O%d", o->cc, o->opt_level);
  }
  return g;
}

/* Runs the jobs, o->jobs at a time; on a failure, the one-line error of the first that failed
 * (what[i] says what job i is). */
static int run_jobs(struct spawn_job *jobs, int njobs, const char *const what[],
                    const struct build_options *o, char *err, size_t errlen) {
  int failed = spawn_all(jobs, njobs, o->jobs);
  if (failed < 0)
    return 0;
  return tool_error(jobs[failed].rc, jobs[failed].out, jobs[failed].argv[0], what[failed], err,
                    errlen);
}

static int keep_file(const char *dir, const char *name, int optional, char *err, size_t errlen) {
  char src[2 * PATH_MAX], dst[2 * PATH_MAX];
  snprintf(src, sizeof src, "%s/%s", g_tmp_dir, name);
  snprintf(dst, sizeof dst, "%s/%s", dir, name);
  if (optional && access(src, F_OK) != 0)
    return 0;
  if (copy_file(src, dst) != 0)
    return set_error(err, errlen, "cannot write generated C to %s", dir);
  return 0;
}

/* Copies the generated C of a module translated into nparts files (see translate) from the
 * scratch directory into dir: STEM.h, STEM-impl.h if split, every PART.c and PART.data, and
 * STEM_glue.h if there: everything a tool needs to compile and link the module again the way
 * `wasmaot build` did (the commands: `wasmaot info --json`). */
static int keep_generated_c(const char *dir, const char *stem, int nparts, char *err,
                            size_t errlen) {
  char name[NAME_MAX + 16], part[NAME_MAX + 1];
  mkdir(dir, 0777);
  snprintf(name, sizeof name, "%s.h", stem);
  if (keep_file(dir, name, 0, err, errlen) != 0)
    return -1;
  snprintf(name, sizeof name, "%s-impl.h", stem);
  if (nparts > 1 && keep_file(dir, name, 0, err, errlen) != 0)
    return -1;
  snprintf(name, sizeof name, "%s_glue.h", stem);
  if (keep_file(dir, name, 1, err, errlen) != 0)
    return -1;
  for (int i = 0; i < nparts; i++) {
    part_name(part, sizeof part, stem, nparts, i);
    snprintf(name, sizeof name, "%s.c", part);
    if (keep_file(dir, name, 0, err, errlen) != 0)
      return -1;
    snprintf(name, sizeof name, "%s.data", part);
    if (keep_file(dir, name, 1, err, errlen) != 0)
      return -1;
    snprintf(name, sizeof name, "%s.data.s", part); /* tcc builds' */
    if (keep_file(dir, name, 1, err, errlen) != 0)
      return -1;
  }
  return 0;
}

/* In-run tier-up (hot_rewrite.h): instruments the translated parts in the scratch directory
 * and writes the store beside out_path (OUT.hot.wasmaot-tmp-PID, g_tmp_hot). A module whose C is
 * not as expected is built without tier-up (*made = 0), not refused. The parts are done by the
 * rewrite workers (CPython: 150 MB of C read, 280 MB written; in one process that was a second
 * with a core idle). wasm_funcs: each part's count of wasm functions (c_rewrite's). */
struct hot_ctx {
  const struct hot_rewrite *h;
  const size_t *first; /* per part: the index of its first wasm function */
};

static void hot_part_work(int i, void *ctx, void *out) {
  const struct hot_ctx *c = ctx;
  hot_rewrite_part(c->h, i, c->first[i], out);
}

static int hot_instrument(const struct build_options *o, int nparts, int tcc_compiles,
                          const size_t *wasm_funcs, const char *out_path, int *made, char *err,
                          size_t errlen) {
  *made = 0;
  /* Written beside its destination (the executable's store, OUT.hot: up to the size of the
   * generated C), renamed into place with the executable (hot_keep_store). */
  snprintf(g_tmp_hot, sizeof g_tmp_hot, "%s.hot.wasmaot-tmp-%ld", out_path, (long)getpid());
  struct hot_rewrite *h =
      hot_rewrite_begin(g_tmp_dir, nparts, effective_bounds(o) == BOUNDS_CHECK, g_tmp_hot);
  size_t *first = calloc((size_t)nparts, sizeof *first);
  struct hot_part *done = calloc((size_t)nparts, sizeof *done);
  if (!h || !first || !done) {
    hot_rewrite_free(h), free(first), free(done);
    g_tmp_hot[0] = 0;
    return set_error(err, errlen, "out of memory");
  }
  if (tcc_compiles)
    hot_rewrite_types_array(h);
  for (int i = 1; i < nparts; i++)
    first[i] = first[i - 1] + wasm_funcs[i - 1];
  struct hot_ctx ctx = {h, first};
  int rc = 0;
  if (parts_in_workers("guest", nparts, o->jobs, hot_part_work, &ctx, done, sizeof *done) != 0) {
    rc = set_error(err, errlen, "cannot instrument the generated C (a worker failed)");
  } else {
    for (int i = 0; i < nparts; i++)
      hot_rewrite_add(h, i, wasm_funcs[i], &done[i]);
  }
  const char *why = NULL;
  if (rc == 0 && !hot_rewrite_supported(h, &why) && getenv("WASMAOT_HOT_DEBUG"))
    fprintf(stderr, "wasmaot: no in-run tier-up for this module: %s\n", why ? why : "no functions");
  /* tcc returns a struct mixing integers and floats otherwise than gcc/clang (c_rewrite.h):
   * hot code calling tcc's for multi-value results would read them wrong. */
  int abi_clash = tcc_compiles && hot_rewrite_struct_abi(h);
  if (rc == 0 && abi_clash && getenv("WASMAOT_HOT_DEBUG"))
    fprintf(stderr,
            "wasmaot: no in-run tier-up for this module: multi-value functions under tcc\n");
  if (rc == 0 && hot_rewrite_supported(h, NULL) && !abi_clash) {
    const char *headers[] = {"guest.h", "guest-impl.h"};
    rc = hot_rewrite_finish(h, headers, nparts > 1 ? 2 : 1, err, errlen);
    *made = rc == 0;
  }
  hot_rewrite_free(h); /* removes the store unless finished */
  free(first), free(done);
  if (!*made)
    g_tmp_hot[0] = 0;
  return rc;
}

/* The store beside the executable, OUT.hot, whole or not at all (renamed into place before
 * the executable, so a run that finds the executable finds its store). */
static int hot_keep_store(const char *out_path, char *err, size_t errlen) {
  char final[2 * PATH_MAX];
  snprintf(final, sizeof final, "%s.hot", out_path);
  if (rename(g_tmp_hot, final) != 0)
    return set_error(err, errlen, "cannot write %s: %s", final, strerror(errno));
  g_tmp_hot[0] = 0;
  return 0;
}

int pipeline_build(const char *in_path, const uint8_t *bytes, size_t len, const char *out_path,
                   const struct build_options *o, char *err, size_t errlen) {
  char why[1536];
  struct wasm_module_info m;
  if (module_check(bytes, len, o->unknown_imports, &m, why, sizeof why) != 0)
    return set_error(err, errlen, "%s: %s", in_path, why);
  /* The guest's C files (one, or split when big enough to gain from parallel compiles) and
   * the host main are compiled at once, o->jobs at a time, then linked. */
  int nparts = pipeline_split_count(m.code_size, o->jobs);
  struct part_compile *parts = calloc((size_t)nparts, sizeof *parts);
  struct spawn_job *jobs = calloc(2 * (size_t)nparts + 1, sizeof *jobs);
  const char **what = calloc(2 * (size_t)nparts + 1, sizeof *what);
  const char **objs = calloc(2 * (size_t)nparts, sizeof *objs);
  char *has_asm = calloc((size_t)nparts, 1);
  int *order = calloc((size_t)nparts, sizeof *order);
  long long *part_size = calloc((size_t)nparts, sizeof *part_size);
  size_t *wasm_funcs = calloc((size_t)nparts, sizeof *wasm_funcs);
  static struct pipeline_cmd host, link;
  struct data_strip ds = {0};
  int rc = -1, needs = 0;
  if (!parts || !jobs || !what || !objs || !has_asm || !order || !part_size || !wasm_funcs) {
    set_error(err, errlen, "out of memory");
    goto done;
  }
  if (begin_scratch(err, errlen) != 0)
    goto done;
  char wasm_copy[2 * PATH_MAX];
  if (write_module_copy(bytes, len, &ds, wasm_copy, sizeof wasm_copy, err, errlen) != 0)
    goto out;
  /* The executable is linked in a directory of ours next to its destination and renamed over
   * it at the end (named before it is made: a signal in between removes nothing of others'). */
  snprintf(g_link_dir, sizeof g_link_dir, "%s.wasmaot-tmp-%ld", out_path, (long)getpid());
  int made = mkdir(g_link_dir, 0700) == 0;
  if (!made && errno == EEXIST) { /* left by a killed build that had this pid */
    remove_dir(g_link_dir);
    made = mkdir(g_link_dir, 0700) == 0;
  }
  if (!made) {
    set_error(err, errlen, "cannot write %s: %s", out_path, strerror(errno));
    g_link_dir[0] = 0;
    goto out;
  }
  const char *out_base = strrchr(out_path, '/') ? strrchr(out_path, '/') + 1 : out_path;
  char tmp_out[3 * PATH_MAX];
  snprintf(tmp_out, sizeof tmp_out, "%s/%s", g_link_dir, out_base);

  char guest_h[2 * PATH_MAX], host_o[2 * PATH_MAX], glue_h[2 * PATH_MAX];
  snprintf(guest_h, sizeof guest_h, "%s/guest.h", g_tmp_dir);
  snprintf(glue_h, sizeof glue_h, "%s/guest_glue.h", g_tmp_dir);
  snprintf(host_o, sizeof host_o, "%s/host_main.o", g_tmp_dir);

  /* wasm2c is always run with module name "guest": host_main.c relies on it. */
  if (translate(wasm_copy, "guest", "guest", nparts, &ds, o->tcc, o->jobs, has_asm, wasm_funcs,
                &needs, err, errlen) != 0) {
    name_input_in_error(err, errlen, wasm_copy, in_path);
    goto out;
  }
  if (import_glue_write(guest_h, &m, o->unknown_imports, glue_h, err, errlen) != 0)
    goto out;
  int hot_made = 0;
  if (o->hot && hot_instrument(o, nparts, o->tcc && !needs, wasm_funcs, out_path, &hot_made, err,
                               errlen) != 0)
    goto out;
  struct build_options g = guest_options(o, needs);
  int njobs = 0, nobjs = 0;
  for (int i = 0; i < nparts; i++) {
    char part[NAME_MAX + 1];
    part_name(part, sizeof part, "guest", nparts, i);
    part_compile_init(&parts[i], &g, part, has_asm[i]);
    objs[nobjs++] = parts[i].o_path;
    if (has_asm[i])
      objs[nobjs++] = parts[i].data_o_path;
  }
  pipeline_host_compile_argv(&g, guest_h, glue_h, host_o, &host);
  /* The compiles longest first, so that the last to end is a short one. A part's time goes
   * with its C's size; the host main's (clang -O2, ~0.1 s) is tcc's on HOST_MAIN_TCC_BYTES of
   * C, and little beside an optimised part's. Host main last made a small module's build
   * wait for it after tcc was done (flite: 0.08 s). */
  int host_at = nparts;
  parts_by_size("guest", nparts, order, part_size);
  if (g.tcc)
    for (host_at = 0; host_at < nparts && part_size[order[host_at]] >= HOST_MAIN_TCC_BYTES;)
      host_at++;
  for (int k = 0; k <= nparts; k++) {
    if (k == host_at) {
      jobs[njobs].argv = host.argv;
      what[njobs++] = "C compiler (host main)";
    }
    if (k == nparts)
      break;
    int i = order[k];
    jobs[njobs].argv = parts[i].cmd.argv;
    what[njobs++] = "C compiler";
    if (has_asm[i]) {
      jobs[njobs].argv = parts[i].data_cmd.argv;
      what[njobs++] = "assembler (data segments)";
    }
  }
  if (run_jobs(jobs, njobs, what, o, err, errlen) != 0)
    goto out;
  pipeline_link_argv(&g, objs, nobjs, host_o, tmp_out, &link);
  if (run_tool(link.argv, "linker", err, errlen) != 0)
    goto out;
  if (o->keep_c && keep_generated_c(o->keep_c, "guest", nparts, err, errlen) != 0)
    goto out;
  if (hot_made && hot_keep_store(out_path, err, errlen) != 0)
    goto out;
  if (rename(tmp_out, out_path) != 0) {
    set_error(err, errlen, "cannot write %s: %s", out_path, strerror(errno));
    goto out;
  }
  rc = 0; /* end_scratch removes the link directory, empty now */
out:
  end_scratch();
done:
  free(parts), free(jobs), free(what), free(objs), free(has_asm), free(order), free(part_size);
  free(wasm_funcs);
  data_strip_free(&ds);
  wasm_module_free(&m);
  return rc;
}

int pipeline_compile_guest(const char *in_path, const uint8_t *bytes, size_t len,
                           const char *module_name, const char *out_obj,
                           const struct build_options *o, char *err, size_t errlen) {
  /* The stem of out_obj names the header (and its include guard): it must be a plain name. */
  const char *base = strrchr(out_obj, '/') ? strrchr(out_obj, '/') + 1 : out_obj;
  size_t base_len = strlen(base);
  char stem[NAME_MAX + 1];
  if (base_len < 3 || base_len > NAME_MAX || strcmp(base + base_len - 2, ".o") != 0)
    return set_error(err, errlen, "compile-guest: output %s must end in .o", out_obj);
  snprintf(stem, sizeof stem, "%.*s", (int)(base_len - 2), base);
  for (const char *c = stem; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
          *c == '_'))
      return set_error(err, errlen, "compile-guest: output name %s: use letters, digits and _",
                       base);
  struct wasm_module_info m;
  char why[512];
  if (wasm_module_read(bytes, len, &m, why, sizeof why) != 0)
    return set_error(err, errlen, "%s: %s", in_path, why);
  wasm_module_free(&m);
  struct part_compile *part = calloc(1, sizeof *part);
  if (!part)
    return set_error(err, errlen, "out of memory");
  if (begin_scratch(err, errlen) != 0) {
    free(part);
    return -1;
  }
  int rc = -1;
  char wasm_copy[2 * PATH_MAX];
  struct data_strip ds = {0};
  if (write_module_copy(bytes, len, &ds, wasm_copy, sizeof wasm_copy, err, errlen) != 0)
    goto out;
  char src[2 * PATH_MAX], header[2 * PATH_MAX];
  snprintf(header, sizeof header, "%.*s.h", (int)(strlen(out_obj) - 2), out_obj);
  /* One object out: one C file (the spec tests' modules are small; the runner compiles many
   * of them at once itself). */
  char has_asm = 0;
  int needs = 0;
  if (translate(wasm_copy, module_name, stem, 1, &ds, o->tcc, 1, &has_asm, NULL, &needs, err,
                errlen) != 0) {
    name_input_in_error(err, errlen, wasm_copy, in_path);
    goto out;
  }
  struct build_options g = guest_options(o, needs);
  part_compile_init(part, &g, stem, has_asm);
  if (run_tool(part->cmd.argv, "C compiler", err, errlen) != 0)
    goto out;
  if (has_asm) {
    /* One object out, as the caller links it: the code's and the data's, joined (ld -r). */
    char joined[sizeof part->o_path];
    snprintf(joined, sizeof joined, "%.4000s/%.255s.joined.o", g_tmp_dir, stem);
    char *ld[] = {"ld", "-r", part->o_path, part->data_o_path, "-o", joined, NULL};
    if (run_tool(part->data_cmd.argv, "assembler (data segments)", err, errlen) != 0 ||
        run_tool(ld, "linker (ld -r)", err, errlen) != 0)
      goto out;
    snprintf(part->o_path, sizeof part->o_path, "%s", joined);
  }
  if (o->keep_c && keep_generated_c(o->keep_c, stem, 1, err, errlen) != 0)
    goto out;
  snprintf(src, sizeof src, "%s/%s.h", g_tmp_dir, stem);
  if (copy_file(src, header) != 0) {
    set_error(err, errlen, "cannot write %s", header);
    goto out;
  }
  if (copy_file(part->o_path, out_obj) != 0) {
    set_error(err, errlen, "cannot write %s", out_obj);
    unlink(header);
    goto out;
  }
  rc = 0;
out:
  end_scratch();
  data_strip_free(&ds);
  free(part);
  return rc;
}

static int identify(const char *path, char *buf, size_t len, size_t *used) {
  struct stat st;
  if (stat(path, &st) != 0)
    return -1;
  int n = snprintf(buf + *used, len - *used, "%s:%lld:%lld.%09ld;", path, (long long)st.st_size,
                   (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  if (n > 0 && *used + (size_t)n < len)
    *used += (size_t)n;
  return 0;
}

int pipeline_toolchain_identity(const struct build_options *o, char *buf, size_t len, char *err,
                                size_t errlen) {
  size_t used = 0;
  buf[0] = 0;
  if (identify(pipeline_wasm2c_path(), buf, len, &used) != 0)
    return set_error(err, errlen, "wasm2c not found at %s; run `make deps` or set WASMAOT_WASM2C",
                     pipeline_wasm2c_path());
  char *p = spawn_find_program(o->cc);
  if (!p)
    return set_error(err, errlen, "%s not found on PATH; run `make deps` or install it", o->cc);
  identify(p, buf, len, &used);
  free(p);
  if (o->tcc) { /* the quick tier's compiler and its helper library: a new tcc rebuilds */
    if (identify(pipeline_tcc_path(), buf, len, &used) != 0 ||
        identify(pipeline_libtcc1_path(), buf, len, &used) != 0)
      return set_error(err, errlen, "tcc or its libtcc1.a vanished (%s)", pipeline_tcc_path());
    char *as = spawn_find_program("as");
    if (as)
      identify(as, buf, len, &used);
    free(as);
  }
  /* wasmaot itself: the guest compile flags are compiled into it, and a rebuilt wasmaot may
   * use others under the same version number. */
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = 0;
    identify(exe, buf, len, &used);
  }
  const char *share = pipeline_share_dir();
  const char *files[] = {"src/host_main.c",           "lib/libwasmaot-wasi.a",
                         "lib/libwasmaot-rt-guard.a", "lib/libwasmaot-rt-check.a",
                         "lib/libwasmaot-wasi-san.a", "lib/libwasmaot-rt-check-san.a",
                         "include/wasmaot-runtime.h", "src/serve_main.c",
                         "lib/libwasmaot-serve.a",    "lib/libwasmaot-serve-san.a",
                         "include/wasmaot-serve.h",   "include/wasmaot-serve-guest.h",
                         "include/wasmaot-tcc.h",     "include/wasmaot-tcc-inline.h"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    char p[2 * PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", share, files[i]);
    if (identify(p, buf, len, &used) != 0)
      return set_error(err, errlen, "runtime support file missing: %s (is wasmaot installed?)", p);
  }
  return 0;
}
