/* In-process microbenchmark of wasmaot serve's isolation modes: the cost of one request with a
 * pristine instance, without the network. A host main, built against a module like the serve
 * host's own main:
 *   wasmaot build --serve --host-main bench/serve/micro_wasmaot.c GUEST.wasm -o micro
 *   ./micro [--n N] [--n-fork N] [--isolation reset,fresh,fork] [--guest-name NAME]
 *           [--method M] [--target /path?query] [--header "Name: value"]... [--body TEXT]
 *           [--expect BODY] [--dir HOST::GUEST] [--env K=V]
 * Per request it does what a worker does between reading a request and writing its response:
 * the CGI environment (cgi_env_build), the guest's run on a pristine instance
 * (serve_engine_run), the HTTP response from its output (cgi_response); each response is
 * checked (status 200, body == --expect) and a wrong one stops the run with status 1.
 * The default request and answer are those of workloads/serve-cgi (servebench's CGI guest):
 *   POST /echo?x=12, X-Check: 30, body "hello" -> "x=12 check=30 sum=42 len=5 body=hello\n".
 * Prints one JSON line per mode:
 *   {"variant":"wasmaot-reset","guest":"cgi","n":N,"median_us":..,"p10_us":..,"p90_us":..,
 *    "min_us":..,"max_us":..}
 * after 200 warm-up requests (not counted). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wasmaot-serve-guest.h"

enum { MAX_HEADERS = 32, WARMUP = 200 };

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void die(const char *what, const char *detail) {
  fprintf(stderr, "micro_wasmaot: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  exit(1);
}

/* Finds the body of an HTTP response (after the empty line) and its status. */
static const char *response_body(const struct http_response *r, int *status, size_t *len) {
  *status = atoi(r->buf + 9);
  const char *end = NULL; /* (no memmem: guest.h came first, without _GNU_SOURCE) */
  for (size_t i = 0; !end && i + 4 <= r->len; i++)
    if (memcmp(r->buf + i, "\r\n\r\n", 4) == 0)
      end = r->buf + i;
  if (!end)
    return NULL;
  *len = r->len - (size_t)(end + 4 - r->buf);
  return end + 4;
}

int main(int argc, char **argv) {
  long n = 20000, n_fork = 1000;
  const char *modes = "reset,fresh,fork", *guest_name = "cgi", *method = "POST";
  const char *target = "/echo?x=12", *body = "hello";
  const char *expect = "x=12 check=30 sum=42 len=5 body=hello\n";
  const char *headers[MAX_HEADERS] = {"X-Check: 30"};
  int nheaders = 1, default_headers = 1;
  static const char *dirs[64];
  static char *env[64];
  int ndirs = 0, nenv = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v)
      die("an option without its value", a);
    i++;
    if (strcmp(a, "--n") == 0)
      n = atol(v);
    else if (strcmp(a, "--n-fork") == 0)
      n_fork = atol(v);
    else if (strcmp(a, "--isolation") == 0)
      modes = v;
    else if (strcmp(a, "--guest-name") == 0)
      guest_name = v;
    else if (strcmp(a, "--method") == 0)
      method = v;
    else if (strcmp(a, "--target") == 0)
      target = v;
    else if (strcmp(a, "--body") == 0)
      body = v;
    else if (strcmp(a, "--expect") == 0)
      expect = v;
    else if (strcmp(a, "--header") == 0) {
      if (default_headers)
        nheaders = default_headers = 0;
      if (nheaders < MAX_HEADERS)
        headers[nheaders++] = v;
    } else if (strcmp(a, "--dir") == 0 && ndirs < 64)
      dirs[ndirs++] = v;
    else if (strcmp(a, "--env") == 0 && nenv < 64)
      env[nenv++] = (char *)v;
    else
      die("unknown option", a);
  }
  if (n < 1 || n_fork < 1)
    die("--n and --n-fork take a count of 1 or more", NULL);

  /* The request head, as a client would send it. */
  static char head[8192];
  int hl = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: bench\r\nContent-Length: %zu\r\n",
                    method, target, strlen(body));
  for (int i = 0; i < nheaders; i++)
    hl += snprintf(head + hl, sizeof head - (size_t)hl, "%s\r\n", headers[i]);
  hl += snprintf(head + hl, sizeof head - (size_t)hl, "\r\n");
  if (hl >= (int)sizeof head)
    die("the request head is too long", NULL);
  const char *sp = strchr(head, ' ');
  struct cgi_request req = {.head = head,
                            .head_len = (size_t)hl,
                            .method = head,
                            .method_len = (size_t)(sp - head),
                            .target = sp + 1,
                            .target_len = strlen(target),
                            .minor_version = 1,
                            .body_len = strlen(body),
                            .remote_addr = "127.0.0.1",
                            .server_port = "8080"};
  struct serve_config cfg = {.listen_host = "127.0.0.1",
                             .listen_port = "8080",
                             .envc = (uint32_t)nenv,
                             .envp = env,
                             .server_software = "wasmaot"};

  static char *guest_argv[] = {"micro", NULL};
  static wasi_ctx ctx;
  if (wasi_ctx_init(&ctx, 1, guest_argv, 0, NULL) != 0)
    die("cannot set up the WASI context", NULL);
  for (int d = 0; d < ndirs; d++)
    if (wasi_ctx_preopen_spec(&ctx, dirs[d]) != 0)
      die("cannot pre-open", dirs[d]);
  wasm_rt_init();
#if WASMAOT_BOUNDS_CHECK
  if (wasmaot_install_stack_guard() != 0)
    die("cannot install the stack guard", NULL);
#endif
  struct serve_guest g = serve_guest_bind();
  double *samples = malloc(sizeof *samples * (size_t)(n > n_fork ? n : n_fork));
  struct cgi_env cenv = {0};
  struct http_response resp = {0};
  if (!samples)
    die("out of memory", NULL);

  char *list = strdup(modes);
  for (char *m = strtok(list, ","); m; m = strtok(NULL, ",")) {
    enum serve_isolation iso;
    if (serve_isolation_parse(m, &iso) != 0)
      die("--isolation takes reset, fresh, fork", m);
    /* One engine per process (the instance is at a fixed address): the modes after this one
     * run in this program exec'd again, with the rest of the list. */
    struct serve_engine *e = serve_engine_new(&g, &ctx, iso);
    if (!e)
      die("cannot set up the engine", NULL);
    long count = iso == ISOLATION_FORK ? n_fork : n;
    for (long i = -WARMUP; i < count; i++) {
      double t0 = now_us();
      if (cgi_env_build(&cenv, &cfg, &req) != 0)
        die("cannot build the environment", NULL);
      struct serve_outcome o;
      if (serve_engine_run(e, (const uint8_t *)body, strlen(body), cenv.count, cenv.vars, &o) != 0)
        die("the instance could not be reset", NULL);
      const char *why = NULL;
      int st = o.trapped || o.exit_code || o.crashed
                   ? -1
                   : cgi_response(&resp, o.out, o.out_len, true, false, &why);
      double t1 = now_us();
      size_t blen = 0;
      int status = 0;
      const char *b = st > 0 ? response_body(&resp, &status, &blen) : NULL;
      if (!b || status != 200 || blen != strlen(expect) || memcmp(b, expect, blen) != 0) {
        fprintf(stderr, "micro_wasmaot: %s: request %ld: wrong response (%s%s):\n%.*s\n", m, i,
                o.trapped ? "trap: " : "",
                o.trapped ? o.trap_reason
                : why     ? why
                          : "",
                st > 0 ? (int)resp.len : (int)o.out_len, st > 0 ? resp.buf : (const char *)o.out);
        return 1;
      }
      if (i >= 0)
        samples[i] = t1 - t0;
    }
    qsort(samples, (size_t)count, sizeof *samples, cmp_double);
    printf("{\"variant\":\"wasmaot-%s\",\"guest\":\"%s\",\"n\":%ld,\"median_us\":%.3f,"
           "\"p10_us\":%.3f,\"p90_us\":%.3f,\"min_us\":%.3f,\"max_us\":%.3f,\"hot_pages\":%zu}\n",
           m, guest_name, count, samples[count / 2], samples[count / 10], samples[count * 9 / 10],
           samples[0], samples[count - 1], serve_engine_hot_pages(e));
    fflush(stdout);
    char *rest = strtok(NULL, "");
    if (rest) {
      char **args = calloc((size_t)argc + 3, sizeof *args);
      int k = 0;
      for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--isolation") == 0) {
          i++;
          continue;
        }
        args[k++] = argv[i];
      }
      args[k++] = "--isolation";
      args[k++] = rest;
      execv("/proc/self/exe", args);
      die("cannot re-exec for the next mode", NULL);
    }
    break;
  }
  return 0;
}
