/* The translation pipeline. See pipeline.h. */
#define _GNU_SOURCE
#include "pipeline.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spawn.h"
#include "wasi_imports.h"
#include "wasm_module.h"

#ifndef WASMAOT_SHARE_DIR_FALLBACK
#define WASMAOT_SHARE_DIR_FALLBACK "/usr/local/share/wasmaot"
#endif

void build_options_default(struct build_options *o) {
  o->cc = "gcc";
  o->opt_level = 2;
  o->bounds = BOUNDS_GUARD;
  o->keep_c = NULL;
  o->sanitize = 0;
}

void build_options_describe(const struct build_options *o, char *buf, size_t len) {
  snprintf(buf, len, "cc=%s;O%d;bounds=%s%s", o->cc, o->opt_level,
           o->bounds == BOUNDS_GUARD ? "guard" : "check", o->sanitize ? ";sanitize" : "");
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
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = 0;
      snprintf(dir, sizeof dir, "%s/../share/wasmaot", exe);
      struct stat st;
      if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return dir;
    }
  }
  snprintf(dir, sizeof dir, "%s", WASMAOT_SHARE_DIR_FALLBACK);
  return dir;
}

static int fail(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return -1;
}

/* Every import must be a WASI preview1 function we provide, with the right signature.
 * All offenders are named in one line. */
static int check_imports(const struct wasm_module_info *m, char *err, size_t errlen) {
  char list[1024] = "";
  size_t used = 0;
  int bad = 0;
  for (uint32_t i = 0; i < m->nimports; i++) {
    const struct wasm_import *im = &m->imports[i];
    const struct wasi_import_sig *sig = NULL;
    const char *why = NULL;
    if (strcmp(im->module, WASI_PREVIEW1_MODULE) != 0 || im->kind != WASM_KIND_FUNC ||
        !(sig = wasi_import_lookup(im->name))) {
      why = "";
    } else if (im->type_index >= m->ntypes) {
      why = " (bad type index)";
    } else {
      const struct wasm_functype *t = &m->types[im->type_index];
      if (t->nparams != strlen(sig->params) || t->nresults != strlen(sig->results) ||
          strncmp(t->params, sig->params, t->nparams) != 0 ||
          strncmp(t->results, sig->results, t->nresults) != 0)
        why = " (wrong signature)";
    }
    if (!why)
      continue;
    bad++;
    int n = snprintf(list + used, sizeof list - used, "%s%s.%s%s", bad > 1 ? ", " : "",
                     im->module, im->name, why);
    if (n > 0 && used + (size_t)n < sizeof list)
      used += (size_t)n;
  }
  if (bad)
    return fail(err, errlen, "unknown import%s: %s", bad > 1 ? "s" : "", list);
  return 0;
}

static int check_exports(const struct wasm_module_info *m, char *err, size_t errlen) {
  int has_start = 0, has_memory = 0;
  for (uint32_t i = 0; i < m->nexports; i++) {
    if (m->exports[i].kind == WASM_KIND_FUNC && strcmp(m->exports[i].name, "_start") == 0)
      has_start = 1;
    if (m->exports[i].kind == WASM_KIND_MEMORY && strcmp(m->exports[i].name, "memory") == 0)
      has_memory = 1;
  }
  if (!has_start)
    return fail(err, errlen, "not a WASI command: no exported function \"_start\"");
  if (!has_memory)
    return fail(err, errlen, "not a WASI command: no exported memory \"memory\"");
  return 0;
}

/* Files to remove if we are interrupted mid-build: nothing partial may stay behind. */
static char g_tmp_dir[PATH_MAX], g_tmp_out[PATH_MAX + 64];
static const char *const g_tmp_files[] = {"guest.c", "guest.h", "guest.o", "host_main.o"};

static void remove_temporaries(void) {
  if (g_tmp_out[0])
    unlink(g_tmp_out);
  if (g_tmp_dir[0]) {
    char p[PATH_MAX + 32];
    for (size_t i = 0; i < sizeof g_tmp_files / sizeof g_tmp_files[0]; i++) {
      snprintf(p, sizeof p, "%s/%s", g_tmp_dir, g_tmp_files[i]);
      unlink(p);
    }
    rmdir(g_tmp_dir);
  }
}

static void on_signal(int sig) {
  remove_temporaries();
  signal(sig, SIG_DFL);
  raise(sig);
}

static int run_tool(char *const argv[], const char *what, char *err, size_t errlen) {
  char out[8192];
  int rc = spawn_capture(argv, out, sizeof out);
  if (rc == 0)
    return 0;
  if (rc == 127 && strncmp(out, "cannot run", 10) == 0)
    return fail(err, errlen, "%s not found (%s); run `make deps` or install it", argv[0], what);
  return fail(err, errlen, "%s failed: %s", what, spawn_first_line(out));
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

int pipeline_build(const char *in_path, const uint8_t *bytes, size_t len, const char *out_path,
                   const struct build_options *o, char *err, size_t errlen) {
  struct wasm_module_info m;
  char why[512];
  if (wasm_module_read(bytes, len, &m, why, sizeof why) != 0)
    return fail(err, errlen, "%s: %s", in_path, why);
  int rc = check_imports(&m, why, sizeof why) || check_exports(&m, why, sizeof why);
  char imports_wasi[64];
  snprintf(imports_wasi, sizeof imports_wasi, "-DWASMAOT_GUEST_IMPORTS_WASI=%d", m.nimports > 0);
  wasm_module_free(&m);
  if (rc)
    return fail(err, errlen, "%s: %s", in_path, why);

  const char *share = pipeline_share_dir();
  const char *tmp = getenv("TMPDIR");
  snprintf(g_tmp_dir, sizeof g_tmp_dir, "%s/wasmaot-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(g_tmp_dir)) {
    g_tmp_dir[0] = 0;
    return fail(err, errlen, "cannot create a temporary directory: %s", strerror(errno));
  }
  /* The executable is linked next to its destination and renamed over it at the end. */
  snprintf(g_tmp_out, sizeof g_tmp_out, "%s.wasmaot-tmp-%ld", out_path, (long)getpid());
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGHUP, on_signal);

  char guest_c[2 * PATH_MAX], guest_h[2 * PATH_MAX], guest_o[2 * PATH_MAX],
      host_o[2 * PATH_MAX], host_c[2 * PATH_MAX], inc_rt[2 * PATH_MAX],
      lib_rt[2 * PATH_MAX], lib_wasi[2 * PATH_MAX], opt[8], memcheck[64];
  snprintf(guest_c, sizeof guest_c, "%s/guest.c", g_tmp_dir);
  snprintf(guest_h, sizeof guest_h, "%s/guest.h", g_tmp_dir);
  snprintf(guest_o, sizeof guest_o, "%s/guest.o", g_tmp_dir);
  snprintf(host_o, sizeof host_o, "%s/host_main.o", g_tmp_dir);
  snprintf(host_c, sizeof host_c, "%s/src/host_main.c", share);
  snprintf(inc_rt, sizeof inc_rt, "-I%s/include", share);
  /* ASan owns SIGSEGV, so a sanitized build uses explicit bounds checks. */
  enum bounds_mode bounds = o->sanitize ? BOUNDS_CHECK : o->bounds;
  const char *san_suffix = o->sanitize ? "-san" : "";
  snprintf(lib_rt, sizeof lib_rt, "%s/lib/libwasmaot-rt-%s%s.a", share,
           bounds == BOUNDS_GUARD ? "guard" : "check", san_suffix);
  snprintf(lib_wasi, sizeof lib_wasi, "%s/lib/libwasmaot-wasi%s.a", share, san_suffix);
  snprintf(opt, sizeof opt, "-O%d", o->opt_level);
  snprintf(memcheck, sizeof memcheck, "-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=%d",
           bounds == BOUNDS_GUARD);
  char *san = o->sanitize ? "-fsanitize=address,undefined" : "-DWASMAOT_NO_SANITIZE";
  /* (the define is a harmless placeholder so the host-main argv keeps one shape) */
  int is_gcc = strstr(o->cc, "clang") == NULL;

  rc = -1;
  char *wasm2c_argv[] = {"wasm2c", (char *)in_path, "-n", "guest", "-o", guest_c, NULL};
  if (run_tool(wasm2c_argv, "wasm2c", err, errlen) != 0)
    goto out;

  /* Conformance flags from wasm2c's documentation: no sibling-call optimisation (stack
   * exhaustion must trap, not loop), IEEE rounding and signalling NaNs kept (GCC only: clang
   * has no -fsignaling-nans and keeps NaN payloads through loads and stores already). */
  char *cc_guest[16];
  int n = 0;
  cc_guest[n++] = (char *)o->cc;
  cc_guest[n++] = opt;
  cc_guest[n++] = "-fno-optimize-sibling-calls";
  if (is_gcc) {
    cc_guest[n++] = "-frounding-math";
    cc_guest[n++] = "-fsignaling-nans";
  }
  cc_guest[n++] = memcheck;
  cc_guest[n++] = inc_rt;
  cc_guest[n++] = "-w"; /* generated code: wabt's warnings are not ours to fix */
  cc_guest[n++] = "-c";
  cc_guest[n++] = guest_c;
  cc_guest[n++] = "-o";
  cc_guest[n++] = guest_o;
  cc_guest[n] = NULL;
  if (run_tool(cc_guest, "C compiler", err, errlen) != 0)
    goto out;
  char *cc_host[] = {(char *)o->cc, "-O2", san,    memcheck, imports_wasi, inc_rt, "-include",
                     guest_h,       "-c",  host_c, "-o",     host_o,       NULL};
  if (run_tool(cc_host, "C compiler (host main)", err, errlen) != 0)
    goto out;
  char *link[12];
  n = 0;
  link[n++] = (char *)o->cc;
  if (o->sanitize)
    link[n++] = san;
  link[n++] = guest_o;
  link[n++] = host_o;
  link[n++] = lib_rt;
  link[n++] = lib_wasi;
  link[n++] = "-lm";
  link[n++] = "-o";
  link[n++] = g_tmp_out;
  link[n] = NULL;
  if (run_tool(link, "linker", err, errlen) != 0)
    goto out;
  if (o->keep_c) {
    char dst[PATH_MAX + 16];
    mkdir(o->keep_c, 0777);
    snprintf(dst, sizeof dst, "%s/guest.c", o->keep_c);
    int bad = copy_file(guest_c, dst);
    snprintf(dst, sizeof dst, "%s/guest.h", o->keep_c);
    if (bad || copy_file(guest_h, dst)) {
      fail(err, errlen, "cannot write generated C to %s", o->keep_c);
      goto out;
    }
  }
  if (rename(g_tmp_out, out_path) != 0) {
    fail(err, errlen, "cannot write %s: %s", out_path, strerror(errno));
    goto out;
  }
  g_tmp_out[0] = 0;
  rc = 0;
out:
  remove_temporaries();
  g_tmp_dir[0] = g_tmp_out[0] = 0;
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGHUP, SIG_DFL);
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
  const char *tools[] = {"wasm2c", o->cc};
  for (int i = 0; i < 2; i++) {
    char *p = spawn_find_program(tools[i]);
    if (!p)
      return fail(err, errlen, "%s not found on PATH; run `make deps` or install it", tools[i]);
    identify(p, buf, len, &used);
    free(p);
  }
  const char *share = pipeline_share_dir();
  const char *files[] = {"src/host_main.c",           "lib/libwasmaot-wasi.a",
                         "lib/libwasmaot-rt-guard.a", "lib/libwasmaot-rt-check.a",
                         "lib/libwasmaot-wasi-san.a", "lib/libwasmaot-rt-check-san.a",
                         "include/wasmaot-runtime.h"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/%s", share, files[i]);
    if (identify(p, buf, len, &used) != 0)
      return fail(err, errlen, "runtime support file missing: %s (is wasmaot installed?)", p);
  }
  return 0;
}
