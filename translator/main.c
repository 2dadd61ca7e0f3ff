/* wasmaot: turn a WASI preview1 module into a sandboxed native executable.
 *
 *   wasmaot build IN.wasm -o OUT [build options]
 *   wasmaot run [build and runtime options] IN.wasm [runtime options] [--] [ARGS...]
 *
 * Every failure is one line on stderr ("wasmaot: error: ...") and a non-zero exit.
 *
 * A command for tools (in `wasmaot help` as such):
 *   wasmaot info --json [build options]
 *       version, share dir, wasm2c, the defaults, and every command `wasmaot build` would run
 *       with those options (cmd_info).
 *
 * Two hidden commands, for the project's own tools rather than users (not in --help):
 *   wasmaot cflags [build options]
 *       prints how generated guest C is compiled, one argument per line (compiler first);
 *   wasmaot compile-guest IN.wasm -n NAME -o OUT.o [build options]
 *       translates and compiles any module (no WASI checks) into OUT.o plus its wasm2c header
 *       OUT.h, with module name NAME; the spec-test runner links many such modules into one
 *       program, through exactly the translation and flags `wasmaot build` uses. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "help.h"
#include "import_glue.h"
#include "pipeline.h"
#include "spawn.h"
#include "hot_compile.h"
#include "tiers.h"

#ifndef WASMAOT_VERSION
#define WASMAOT_VERSION "0.0.0"
#endif

static int die(const char *fmt, const char *a, const char *b) {
  fprintf(stderr, "wasmaot: error: ");
  fprintf(stderr, fmt, a, b);
  fputc('\n', stderr);
  return 1;
}

/* The builds wasmaot makes when given no options: with guard pages, and with --bounds check. */
static void default_builds(struct build_options *guard, struct build_options *check) {
  build_options_default(guard);
  build_options_resolve(guard);
  build_options_default(check);
  check->bounds = BOUNDS_CHECK;
  build_options_resolve(check);
}

/* Reads a whole file, once: a regular file, or a pipe (`/dev/stdin`, a FIFO), which can only
 * be read once. Everything later works on these bytes, never on the path again. NULL with a
 * message on failure. */
static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    die("%s: %s", path, strerror(errno));
    return NULL;
  }
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || S_ISDIR(st.st_mode)) {
    fclose(f);
    die("%s: %s", path, "not a file");
    return NULL;
  }
  size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 65536, n = 0;
  uint8_t *buf = malloc(cap);
  const char *failed = buf ? NULL : "too large to read into memory";
  while (!failed) {
    n += fread(buf + n, 1, cap - n, f);
    if (ferror(f))
      failed = "cannot read";
    if (failed || n < cap) /* an error, or the end of the file */
      break;
    uint8_t *bigger = cap < SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
    if (!bigger)
      failed = "too large to read into memory";
    else
      buf = bigger, cap *= 2;
  }
  fclose(f);
  if (failed) {
    free(buf);
    die("%s: %s", path, failed);
    return NULL;
  }
  *len = n;
  return buf;
}

/* gcc, clang, or a versioned one of them (clang-16): compilers that take gcc's flags. */
static int cc_name_ok(const char *v) {
  const char *rest = NULL;
  if (strncmp(v, "gcc", 3) == 0)
    rest = v + 3;
  else if (strncmp(v, "clang", 5) == 0)
    rest = v + 5;
  if (!rest)
    return 0;
  if (*rest == 0)
    return 1;
  if (*rest++ != '-' || !*rest)
    return 0;
  for (; *rest; rest++)
    if (*rest < '0' || *rest > '9')
      return 0;
  return 1;
}

/* Parses one build option at argv[*i]; 1 if consumed, 0 if not a build option, -1 on error. */
static int parse_build_option(int argc, char **argv, int *i, struct build_options *o,
                              const char **out) {
  const char *a = argv[*i];
  if (strcmp(a, "--sanitize") == 0) {
    o->sanitize = 1;
    return 1;
  }
  if (a[0] == '-' && a[1] == 'O' && a[2] >= '0' && a[2] <= '3' && a[3] == 0) {
    o->opt_level = a[2] - '0';
    return 1;
  }
  /* -j N, -jN, --jobs N, --jobs=N: how many compilers at once */
  const char *jobs = NULL;
  if (strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0) {
    if (*i + 1 >= argc)
      return die("%s needs a value%s", a, ""), -1;
    jobs = argv[++*i];
  } else if (strncmp(a, "-j", 2) == 0) {
    jobs = a + 2;
  } else if (strncmp(a, "--jobs=", 7) == 0) {
    jobs = a + 7;
  }
  if (jobs) {
    char *end;
    long n = strtol(jobs, &end, 10);
    if (!*jobs || *end || n < 1 || n > 1000)
      return die("-j %s: expected a number of jobs, 1 or more%s", jobs, ""), -1;
    o->jobs = (int)n;
    return 1;
  }
  const char *names[] = {"-o", "--cc", "--bounds", "--keep-c", "--unknown-imports", "--tier"};
  for (int k = 0; k < 6; k++) {
    size_t n = strlen(names[k]);
    const char *v = NULL;
    if (strcmp(a, names[k]) == 0) {
      if (*i + 1 >= argc)
        return die("%s needs a value%s", names[k], ""), -1;
      v = argv[++*i];
    } else if (strncmp(a, names[k], n) == 0 && a[n] == '=') {
      v = a + n + 1;
    } else {
      continue;
    }
    if (k == 0) {
      if (!out)
        return die("%s is for `wasmaot build`%s", "-o", ""), -1;
      *out = v;
    } else if (k == 1) {
      if (!cc_name_ok(v))
        return die("--cc %s: expected gcc, clang, gcc-N or clang-N%s", v, ""), -1;
      o->cc = v;
    } else if (k == 2) {
      if (strcmp(v, "guard") == 0)
        o->bounds = BOUNDS_GUARD;
      else if (strcmp(v, "check") == 0)
        o->bounds = BOUNDS_CHECK;
      else
        return die("--bounds %s: expected guard or check%s", v, ""), -1;
    } else if (k == 3) {
      o->keep_c = v;
    } else if (k == 5) {
      if (strcmp(v, "quick") == 0)
        o->tier = TIER_QUICK;
      else if (strcmp(v, "optimized") == 0)
        o->tier = TIER_OPTIMIZED;
      else if (strcmp(v, "auto") == 0)
        o->tier = TIER_AUTO;
      else
        return die("--tier %s: expected quick, optimized or auto%s", v, ""), -1;
    } else {
      if (strcmp(v, "error") == 0)
        o->unknown_imports = UNKNOWN_IMPORTS_ERROR;
      else if (strcmp(v, "trap") == 0)
        o->unknown_imports = UNKNOWN_IMPORTS_TRAP;
      else if (strcmp(v, "default") == 0)
        o->unknown_imports = UNKNOWN_IMPORTS_DEFAULT;
      else
        return die("--unknown-imports %s: expected error, trap or default%s", v, ""), -1;
    }
    return 1;
  }
  if (a[0] == '-' && a[1] == 'O')
    return die("%s: expected -O0, -O1, -O2 or -O3%s", a, ""), -1;
  return 0;
}

/* After the options: --tier and --cc/-O do not go together (--cc/-O ask for one explicit
 * build), and auto is only `run`'s. Then resolves the options. 0, or -1 after the error. */
static int resolve_options(struct build_options *o, int auto_ok) {
  if (o->tier != TIER_UNSET && (o->cc || o->opt_level >= 0))
    return die("--tier and --cc/-O do not go together (--cc and -O ask for one explicit "
               "build)%s%s",
               "", ""),
           -1;
  if (o->tier == TIER_AUTO && !auto_ok)
    return die("--tier auto is for `wasmaot run` (build: quick or optimized)%s%s", "", ""), -1;
  build_options_resolve(o);
  return 0;
}

static int cmd_build(int argc, char **argv) {
  struct build_options o;
  build_options_default(&o);
  const char *in = NULL, *out = NULL;
  for (int i = 0; i < argc; i++)
    if (help_is_request(argv[i]))
      return fputs(help_text("build"), stdout) < 0;
  int verbose = 0;
  for (int i = 0; i < argc; i++) {
    int r = parse_build_option(argc, argv, &i, &o, &out);
    if (r < 0)
      return 1;
    if (r == 1)
      continue;
    /* Hidden, for bench/serve: the serve host's libraries, and another host main. */
    if (strcmp(argv[i], "--serve") == 0) {
      o.serve = 1;
      continue;
    }
    if (strcmp(argv[i], "--host-main") == 0 && i + 1 < argc) {
      o.host_main = argv[++i];
      continue;
    }
    if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
      verbose = 1;
      continue;
    }
    if (argv[i][0] == '-' && argv[i][1] != 0)
      return die("build: unknown option %s (see wasmaot help build)%s", argv[i], "");
    if (in)
      return die("build: more than one input (%s and %s)", in, argv[i]);
    in = argv[i];
  }
  if (resolve_options(&o, 0) != 0)
    return 1;
  if (!in)
    return die("build: no input module (usage: wasmaot build IN.wasm -o OUT)%s%s", "", "");
  if (!out)
    return die("build: no output given (-o OUT)%s%s", "", "");
  size_t len;
  uint8_t *bytes = read_file(in, &len);
  if (!bytes)
    return 1;
  char err[2048];
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int rc = pipeline_build(in, bytes, len, out, &o, err, sizeof err);
  free(bytes);
  if (rc != 0)
    return die("%s%s", err, "");
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (verbose)
    fprintf(stderr, "wasmaot: built %s in %.2f s (tier %s: %s), largest build process %ld MiB\n",
            out, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
            o.tier == TIER_QUICK       ? "quick"
            : o.tier == TIER_OPTIMIZED ? "optimized"
                                       : "explicit",
            pipeline_last_guest_compiler(), (spawn_peak_rss_kib() + 1023) / 1024);
  return 0;
}

static int cmd_cflags(int argc, char **argv) {
  struct build_options o;
  build_options_default(&o);
  for (int i = 0; i < argc; i++) {
    int r = parse_build_option(argc, argv, &i, &o, NULL);
    if (r < 0)
      return 1;
    if (r == 0)
      return die("cflags: unknown argument %s%s", argv[i], "");
  }
  if (resolve_options(&o, 0) != 0)
    return 1;
  struct guest_cflags f;
  pipeline_guest_cflags(&o, &f);
  for (int i = 0; i < f.argc; i++)
    puts(f.argv[i]);
  return 0;
}

/* ---- wasmaot info --json: what a tool needs to know, machine-readable -------------------- */

static void json_str(const char *v) {
  if (!v) {
    fputs("null", stdout);
    return;
  }
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
    if (*p == '"' || *p == '\\')
      printf("\\%c", *p);
    else if (*p == '\n')
      fputs("\\n", stdout);
    else if (*p < 0x20)
      printf("\\u%04x", *p);
    else
      putchar(*p);
  }
  putchar('"');
}

static void json_argv(char *const *argv, int argc) {
  putchar('[');
  for (int i = 0; i < argc; i++) {
    if (i)
      fputs(", ", stdout);
    json_str(argv[i]);
  }
  putchar(']');
}

static void json_build(const char *key, const struct build_options *o, const char *end) {
  printf("    ");
  json_str(key);
  printf(": {\"cc\": ");
  json_str(o->cc);
  printf(", \"opt_level\": %d}%s\n", o->opt_level, end);
}

/* wasmaot info --json [build options]: version, where the runtime and wasm2c are, the default
 * build per bounds mode, and for the given options every command `wasmaot build` runs, with
 * {in}, {dir} and {out} standing for the module, the directory of the generated files (what
 * --keep-c DIR keeps) and the executable. The commands come from pipeline.c, where
 * `wasmaot build` gets them: nothing is defined twice. */
static int cmd_info(int argc, char **argv) {
  struct build_options o;
  build_options_default(&o);
  int json = 0;
  for (int i = 0; i < argc; i++) {
    if (help_is_request(argv[i]))
      return fputs(help_text(NULL), stdout) < 0;
    if (strcmp(argv[i], "--json") == 0) {
      json = 1;
      continue;
    }
    int r = parse_build_option(argc, argv, &i, &o, NULL);
    if (r < 0)
      return 1;
    if (r == 0)
      return die("info: unknown argument %s (usage: wasmaot info --json [build options])%s",
                 argv[i], "");
  }
  if (!json)
    return die("info: only --json output exists (wasmaot --version is the human form)%s%s", "", "");
  if (o.keep_c)
    return die("info: --keep-c is for build and run%s%s", "", "");
  if (resolve_options(&o, 0) != 0)
    return 1;
  struct build_options guard, check;
  default_builds(&guard, &check);

  char *version_argv[] = {(char *)pipeline_wasm2c_path(), "--version", NULL};
  char version[256] = "";
  const char *wasm2c_version = NULL;
  if (access(version_argv[0], X_OK) == 0 &&
      spawn_capture(version_argv, version, sizeof version) == 0) {
    version[strcspn(version, "\r\n")] = 0;
    wasm2c_version = version;
  }
  static const char *const unknown[] = {"error", "trap", "default"};
  static struct pipeline_cmd c;

  printf("{\n  \"version\": ");
  json_str(WASMAOT_VERSION);
  printf(",\n  \"share_dir\": ");
  json_str(pipeline_share_dir());
  printf(",\n  \"wasm2c\": {\"path\": ");
  json_str(pipeline_wasm2c_path());
  printf(", \"version\": ");
  json_str(wasm2c_version);
  printf("},\n  \"defaults\": {\n");
  json_build("guard", &guard, ",");
  json_build("check", &check, "");
  printf("  },\n  \"options\": {\"cc\": ");
  json_str(o.cc);
  printf(", \"opt_level\": %d, \"bounds\": \"%s\", \"effective_bounds\": \"%s\", "
         "\"sanitize\": %s, \"unknown_imports\": \"%s\"},\n",
         o.opt_level, o.bounds == BOUNDS_GUARD ? "guard" : "check",
         o.bounds == BOUNDS_GUARD && !o.sanitize ? "guard" : "check", o.sanitize ? "true" : "false",
         unknown[o.unknown_imports]);
  /* The quick tier's compiler: tcc for every module it can take (else "fallback"), and the
   * library its objects link with. */
  struct build_options quick;
  build_options_default(&quick);
  quick.bounds = o.bounds, quick.sanitize = o.sanitize, quick.tier = TIER_QUICK;
  build_options_resolve(&quick);
  printf("  \"quick_tier\": {\"compiler\": ");
  json_str(quick.tcc ? "tcc" : quick.cc);
  printf(", \"tcc\": ");
  json_str(quick.tcc ? pipeline_tcc_path() : NULL);
  printf(", \"libtcc1\": ");
  json_str(quick.tcc ? pipeline_libtcc1_path() : NULL);
  printf(", \"fallback\": {\"cc\": ");
  json_str(quick.cc);
  printf(", \"opt_level\": %d}},\n", quick.opt_level);
  printf("  \"placeholders\": {\"{in}\": \"the module\", \"{dir}\": \"the generated files "
         "(what --keep-c DIR keeps)\", \"{out}\": \"the executable\"},\n");
  printf("  \"after_wasm2c\": \"wasmaot moves the data segments out of guest.c into guest.data "
         "(.incbin) and writes guest_glue.h from guest.h; --keep-c DIR keeps the results\",\n");
  printf("  \"generated_files\": [\"guest.c\", \"guest.h\", \"guest.data\", \"guest_glue.h\"],\n");
  struct guest_cflags f;
  pipeline_guest_cflags(&o, &f);
  printf("  \"guest_cflags\": ");
  json_argv(f.argv, f.argc);
  pipeline_host_cflags(&o, &c);
  printf(",\n  \"host_main\": {\"source\": ");
  json_str(pipeline_host_main_source(&o));
  printf(", \"cflags\": ");
  json_argv(c.argv, c.argc);
  pipeline_link_libraries(&o, &c);
  printf("},\n  \"link_libraries\": ");
  json_argv(c.argv, c.argc);
  printf(",\n  \"commands\": {\n    \"wasm2c\": ");
  pipeline_wasm2c_argv("{in}", "guest", "{dir}/guest.c", 1, &c);
  json_argv(c.argv, c.argc);
  printf(",\n    \"guest_compile\": ");
  pipeline_guest_compile_argv(&o, "{dir}", "{dir}/guest.c", "{dir}/guest.o", &c);
  json_argv(c.argv, c.argc);
  if (o.tcc) { /* tcc cannot .incbin: the data segments are assembled on their own */
    printf(",\n    \"data_assemble\": ");
    pipeline_data_assemble_argv("{dir}", "{dir}/guest.data.s", "{dir}/guest.data.o", &c);
    json_argv(c.argv, c.argc);
  }
  printf(",\n    \"host_compile\": ");
  pipeline_host_compile_argv(&o, "{dir}/guest.h", "{dir}/guest_glue.h", "{dir}/host_main.o", &c);
  json_argv(c.argv, c.argc);
  printf(",\n    \"link\": ");
  const char *guest_objs[] = {"{dir}/guest.o", "{dir}/guest.data.o"};
  pipeline_link_argv(&o, guest_objs, o.tcc ? 2 : 1, "{dir}/host_main.o", "{out}", &c);
  json_argv(c.argv, c.argc);
  printf("\n  }\n}\n");
  return fflush(stdout) != 0;
}

static int cmd_compile_guest(int argc, char **argv) {
  struct build_options o;
  build_options_default(&o);
  const char *in = NULL, *out = NULL, *name = NULL;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "-n") == 0) {
      if (i + 1 >= argc)
        return die("compile-guest: -n needs a value%s%s", "", "");
      name = argv[++i];
      continue;
    }
    int r = parse_build_option(argc, argv, &i, &o, &out);
    if (r < 0)
      return 1;
    if (r == 1)
      continue;
    if (argv[i][0] == '-' || in)
      return die("compile-guest: unexpected argument %s%s", argv[i], "");
    in = argv[i];
  }
  if (resolve_options(&o, 0) != 0)
    return 1;
  if (!in || !out || !name)
    return die("usage: wasmaot compile-guest IN.wasm -n NAME -o OUT.o [build options]%s%s", "", "");
  size_t len;
  uint8_t *bytes = read_file(in, &len);
  if (!bytes)
    return 1;
  char err[2048];
  int rc = pipeline_compile_guest(in, bytes, len, name, out, &o, err, sizeof err);
  free(bytes);
  if (rc != 0)
    return die("%s%s", err, "");
  return 0;
}

/* One runtime option at argv[*i] (--dir, --env, --listen with a value; --inherit-env), copied
 * into the executable's command line. 1 if consumed, 0 if not one, -1 on error. */
static int take_runtime_option(int argc, char **argv, int *i, char **child, int *n) {
  const char *a = argv[*i];
  if (strcmp(a, "--inherit-env") == 0) {
    child[(*n)++] = argv[*i];
    return 1;
  }
  const char *with_value[] = {"--dir", "--env", "--listen"};
  for (int k = 0; k < 3; k++) {
    size_t kl = strlen(with_value[k]);
    if (strncmp(a, with_value[k], kl) == 0 && a[kl] == '=') {
      child[(*n)++] = argv[*i];
      return 1;
    }
    if (strcmp(a, with_value[k]) == 0) {
      if (*i + 1 >= argc)
        return die("run: %s needs a value%s", a, ""), -1;
      child[(*n)++] = argv[(*i)++];
      child[(*n)++] = argv[*i];
      return 1;
    }
  }
  return 0;
}

static int exec_cached(const char *in, const struct build_options *o, char **child, int verbose);

/* wasmaot run [options] IN.wasm [runtime options] [--] [ARGS...]
 * As with `wasmtime run`, options go before the module; after it, the runtime options above
 * are still ours up to the first other argument or "--" (so `run app.wasm --dir .` keeps
 * working), and everything from there on is the guest's. "--" before the module ends options
 * too: the next argument is the module, even if it starts with '-'. */
static int cmd_run(int argc, char **argv) {
  struct build_options o;
  build_options_default(&o);
  int i = 0, verbose = 0, r;
  char **child = calloc((size_t)argc + 8, sizeof *child);
  if (!child)
    return die("out of memory%s%s", "", "");
  int n = 1;
  child[n++] = "--argv0";
  int argv0_at = n++;
  const char *in = NULL;
  for (; i < argc && !in; i++) {
    /* Only before the module: after it, --help may be the guest's. */
    if (help_is_request(argv[i]))
      return fputs(help_text("run"), stdout) < 0;
    if (strcmp(argv[i], "--") == 0) {
      if (i + 1 < argc)
        in = argv[++i];
      continue;
    }
    if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
      verbose = 1;
      continue;
    }
    if ((r = parse_build_option(argc, argv, &i, &o, NULL)) < 0 ||
        (r == 0 && (r = take_runtime_option(argc, argv, &i, child, &n)) < 0))
      return 1;
    if (r == 1)
      continue;
    if (argv[i][0] == '-' && strcmp(argv[i], "-") != 0)
      return die("run: unknown option %s (see wasmaot --help)%s", argv[i], "");
    in = argv[i];
  }
  if (o.tier == TIER_UNSET && !o.cc && o.opt_level < 0)
    o.tier = TIER_AUTO; /* run's default */
  if (resolve_options(&o, 1) != 0)
    return 1;
  if (!in)
    return die("run: no input module (usage: wasmaot run [OPTIONS] IN.wasm [ARGS...])%s%s", "", "");
  child[argv0_at] = (char *)in;

  /* After the module: runtime options up to "--" or the first guest argument. */
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    }
    if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
      verbose = 1;
      continue;
    }
    if ((r = take_runtime_option(argc, argv, &i, child, &n)) < 0)
      return 1;
    if (r == 0)
      break;
  }
  child[n++] = "--";
  for (; i < argc; i++)
    child[n++] = argv[i];
  child[n] = NULL;

  return exec_cached(in, &o, child, verbose);
}

/* The executable for `in` built with `o`, from the content-addressed cache (built into it on a
 * miss: the key covers the module's bytes, the options — `run` and `serve` build different
 * hosts, see build_options_describe —, the toolchain and wasmaot itself), exec'd with `child`
 * (child[0] is set here). Returns only on failure. */
static int exec_cached(const char *in, const struct build_options *o, char **child, int verbose) {
  size_t len;
  uint8_t *bytes = read_file(in, &len);
  if (!bytes)
    return 1;
  char err[2048], dir[PATH_MAX], path[PATH_MAX + 80];
  if (cache_dir(dir, sizeof dir, err, sizeof err) != 0 ||
      tiers_prepare(in, bytes, len, o, dir, verbose, path, sizeof path, err, sizeof err) != 0) {
    free(bytes);
    return die("%s%s", err, "");
  }
  free(bytes);
  child[0] = path;
  execv(path, child);
  return die("cannot run %s: %s", path, strerror(errno));
}

/* wasmaot serve [build options] IN.wasm --listen HOST:PORT [serve options]: the module built
 * with the serve host (runtime-support/serve/), cached like `run`'s build but under its own
 * key, exec'd with the serve options. Options may come before or after the module; there are
 * no guest arguments (a request's are its environment and body). */
static int cmd_serve(int argc, char **argv) {
  struct build_options o;
  build_options_default(&o);
  o.serve = 1;
  int verbose = 0, r, n = 1;
  char **child = calloc((size_t)argc + 8, sizeof *child);
  if (!child)
    return die("out of memory%s%s", "", "");
  child[n++] = "--argv0";
  int argv0_at = n++;
  const char *in = NULL;
  static const char *const serve_options[] = {"--listen",  "--dir",       "--env",     "--workers",
                                              "--timeout", "--isolation", "--max-body"};
  for (int i = 0; i < argc; i++) {
    if (help_is_request(argv[i]))
      return fputs(help_text("serve"), stdout) < 0;
    if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
      verbose = 1;
      child[n++] = "-v";
      continue;
    }
    if (strcmp(argv[i], "--inherit-env") == 0) {
      child[n++] = argv[i];
      continue;
    }
    bool taken = false;
    for (size_t k = 0; k < sizeof serve_options / sizeof *serve_options && !taken; k++) {
      size_t kl = strlen(serve_options[k]);
      if (strncmp(argv[i], serve_options[k], kl) == 0 && argv[i][kl] == '=') {
        child[n++] = argv[i];
        taken = true;
      } else if (strcmp(argv[i], serve_options[k]) == 0) {
        if (i + 1 >= argc)
          return die("serve: %s needs a value%s", argv[i], "");
        child[n++] = argv[i++];
        child[n++] = argv[i];
        taken = true;
      }
    }
    if (taken)
      continue;
    if ((r = parse_build_option(argc, argv, &i, &o, NULL)) < 0)
      return 1;
    if (r == 1)
      continue;
    if (argv[i][0] == '-')
      return die("serve: unknown option %s (see wasmaot help serve)%s", argv[i], "");
    if (in)
      return die("serve: more than one module (%s and %s)", in, argv[i]);
    in = argv[i];
  }
  /* A server runs for long: it is built as the optimised tier (or as --cc/-O say) before it
   * starts, never started on the quick tier. */
  if (o.tier == TIER_UNSET && !o.cc && o.opt_level < 0)
    o.tier = TIER_OPTIMIZED;
  if (resolve_options(&o, 0) != 0)
    return 1;
  if (!in)
    return die("serve: no input module (usage: wasmaot serve [OPTIONS] IN.wasm --listen "
               "HOST:PORT)%s%s",
               "", "");
  child[argv0_at] = (char *)in;
  child[n] = NULL;
  return exec_cached(in, &o, child, verbose);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(help_text(NULL), stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (help_is_request(cmd) || strcmp(cmd, "help") == 0) {
    const char *topic = argc > 2 ? argv[2] : NULL, *text = help_text(topic);
    if (!text)
      return die("help: no command %s (expected build or run)%s", topic, "");
    return fputs(text, stdout) < 0;
  }
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
    struct build_options guard, check;
    default_builds(&guard, &check);
    printf("wasmaot %s (wasm2c from wabt; runtime-support in %s; default build: --cc %s -O%d "
           "--bounds guard, or --cc %s -O%d with --bounds check)\n",
           WASMAOT_VERSION, pipeline_share_dir(), guard.cc, guard.opt_level, check.cc,
           check.opt_level);
    return 0;
  }
  if (strcmp(cmd, "build") == 0)
    return cmd_build(argc - 2, argv + 2);
  if (strcmp(cmd, "run") == 0)
    return cmd_run(argc - 2, argv + 2);
  if (strcmp(cmd, "serve") == 0)
    return cmd_serve(argc - 2, argv + 2);
  if (strcmp(cmd, "info") == 0)
    return cmd_info(argc - 2, argv + 2);
  if (strcmp(cmd, "cflags") == 0)
    return cmd_cflags(argc - 2, argv + 2);
  if (strcmp(cmd, "__hot-compile") == 0)
    return hot_compile_main(argc - 2, argv + 2);
  if (strcmp(cmd, "compile-guest") == 0)
    return cmd_compile_guest(argc - 2, argv + 2);
  return die("unknown command %s (expected build or run; see wasmaot help)", cmd, "");
}
