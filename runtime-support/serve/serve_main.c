/* The main of every executable `wasmaot serve` makes (see serve.h).
 *
 * Compiled once per module exactly as host_main.c is: with the module's wasm2c header and the
 * glue wasmaot writes from it force-included (-include guest.h -include guest_glue.h), so the
 * symbols below are the same for every module. Everything else is in libwasmaot-serve.a, which
 * sees the guest only through struct serve_guest.
 *
 * Command line (wasmaot serve writes it):
 *   PROGRAM --listen HOST:PORT [--dir HOST[::GUEST]] [--env KEY=VALUE | --env KEY]
 *           [--inherit-env] [--workers N] [--timeout SECONDS] [--isolation reset|fresh|fork]
 *           [--max-body BYTES] [--argv0 NAME] [-v] */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wasmaot-serve-guest.h"

extern char **environ;

enum { MAX_OPTS = 4096 };

static const char *g_dirs[MAX_OPTS];
static int g_ndirs;
static char *g_argv[2];
static struct serve_guest g_bound;
static enum serve_isolation g_isolation;

/* Each worker: its WASI context (stdio, preopens; the environment is per request) and engine. */
static struct serve_engine *worker_setup(void *arg) {
  (void)arg;
  static wasi_ctx ctx;
  if (wasi_ctx_init(&ctx, 1, g_argv, 0, NULL) != 0)
    return NULL;
  for (int d = 0; d < g_ndirs; d++)
    if (wasi_ctx_preopen_spec(&ctx, g_dirs[d]) != 0)
      return NULL;
  wasm_rt_init();
#if WASMAOT_BOUNDS_CHECK
  if (wasmaot_install_stack_guard() != 0) {
    fprintf(stderr, "wasmaot: cannot install the stack-overflow handler\n");
    return NULL;
  }
#endif
  return serve_engine_new(&g_bound, &ctx, g_isolation);
}

static int usage(const char *what, const char *value) {
  fprintf(stderr, "wasmaot serve: %s%s%s\n", what, value ? ": " : "", value ? value : "");
  return 2;
}

/* "--name VALUE" or "--name=VALUE" at argv[*i]: the value, or NULL if not this option. */
static const char *option_value(int argc, char **argv, int *i, const char *name, bool *missing) {
  size_t n = strlen(name);
  if (strncmp(argv[*i], name, n) != 0)
    return NULL;
  if (argv[*i][n] == '=')
    return argv[*i] + n + 1;
  if (argv[*i][n] != 0)
    return NULL;
  if (*i + 1 >= argc) {
    *missing = true;
    return NULL;
  }
  return argv[++*i];
}

static bool parse_number(const char *s, double min, double max, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || !(v >= min && v <= max))
    return false;
  *out = v;
  return true;
}

int main(int argc, char **argv) {
  static char *env[MAX_OPTS];
  int nenv = 0;
  bool inherit_env = false;
  const char *listen = NULL;
  struct serve_config cfg = {.timeout_s = 10, .max_body = 1 << 20, .server_software = "wasmaot"};
  g_argv[0] = argv[0];
  for (int i = 1; i < argc; i++) {
    const char *v;
    bool missing = false;
    double num;
    if (strcmp(argv[i], "--inherit-env") == 0) {
      inherit_env = true;
    } else if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
      cfg.verbose = 1;
    } else if ((v = option_value(argc, argv, &i, "--dir", &missing))) {
      if (g_ndirs == MAX_OPTS)
        return usage("too many --dir", NULL);
      g_dirs[g_ndirs++] = v;
    } else if ((v = option_value(argc, argv, &i, "--listen", &missing))) {
      listen = v;
    } else if ((v = option_value(argc, argv, &i, "--argv0", &missing))) {
      g_argv[0] = (char *)v;
    } else if ((v = option_value(argc, argv, &i, "--workers", &missing))) {
      if (!parse_number(v, 1, 1024, &num) || num != (int)num)
        return usage("--workers takes a number of workers from 1 to 1024", v);
      cfg.workers = (int)num;
    } else if ((v = option_value(argc, argv, &i, "--timeout", &missing))) {
      if (!parse_number(v, 0.001, 86400, &num))
        return usage("--timeout takes seconds, more than 0 and at most 86400", v);
      cfg.timeout_s = num;
    } else if ((v = option_value(argc, argv, &i, "--max-body", &missing))) {
      if (!parse_number(v, 0, (double)(1ull << 40), &num) || num != (double)(uint64_t)num)
        return usage("--max-body takes a number of bytes up to 2^40", v);
      cfg.max_body = (uint64_t)num;
    } else if ((v = option_value(argc, argv, &i, "--isolation", &missing))) {
      if (serve_isolation_parse(v, &cfg.isolation) != 0)
        return usage("--isolation takes reset, fresh or fork", v);
    } else if ((v = option_value(argc, argv, &i, "--env", &missing))) {
      if (nenv == MAX_OPTS)
        return usage("too many --env", NULL);
      if (strchr(v, '=')) {
        env[nenv++] = (char *)v;
      } else if (getenv(v)) {
        size_t size = strlen(v) + 1 + strlen(getenv(v)) + 1;
        char *kv = malloc(size);
        if (!kv)
          return usage("out of memory", NULL);
        snprintf(kv, size, "%s=%s", v, getenv(v));
        env[nenv++] = kv;
      }
    } else {
      return usage(missing ? "this option needs a value" : "unknown option", argv[i]);
    }
    if (missing)
      return usage("this option needs a value", argv[i]);
  }
  if (!listen)
    return usage("--listen HOST:PORT is required", NULL);
  /* HOST:PORT, HOST possibly [v6]; an empty HOST listens on every address. */
  static char host[256];
  const char *colon = strrchr(listen, ':');
  if (!colon || !colon[1] || (size_t)(colon - listen) >= sizeof host)
    return usage("--listen takes HOST:PORT", listen);
  const char *h = listen;
  size_t hl = (size_t)(colon - listen);
  if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']')
    h++, hl -= 2;
  memcpy(host, h, hl);
  host[hl] = 0;
  cfg.listen_host = host;
  cfg.listen_port = colon + 1;
  cfg.envp = env;
  cfg.envc = (uint32_t)nenv;
  if (inherit_env) {
    cfg.envp = environ;
    for (cfg.envc = 0; environ[cfg.envc]; cfg.envc++)
      ;
  }
  g_isolation = cfg.isolation;
  g_bound = serve_guest_bind();
  /* A client that goes away while we write gets EPIPE, not a dead worker. */
  signal(SIGPIPE, SIG_IGN);
  return serve_run(&cfg, worker_setup, NULL);
}
