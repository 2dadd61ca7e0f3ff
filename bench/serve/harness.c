/* The serve microbenchmark's harness (serve_bench.h): requests and their expected answers, the
 * timed loop, the statistics, the JSON lines, the machine. Linked into serve-bench; included
 * whole (#include "harness.c") by the wasmaot host mains of bench/serve/, which `wasmaot build
 * --host-main` compiles as one file. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "serve_bench.h"

void request_make(struct bench_request *rq, unsigned i) {
  rq->x = i % 1000000000u;
  rq->check = 42;
  snprintf(rq->query, sizeof rq->query, "x=%u", rq->x);
  snprintf(rq->check_value, sizeof rq->check_value, "%u", rq->check);
  rq->body_len = (size_t)snprintf(rq->body, sizeof rq->body, "hello %u", i);
  snprintf(rq->content_length, sizeof rq->content_length, "%zu", rq->body_len);
  rq->http_len = (size_t)snprintf(rq->http, sizeof rq->http,
                                  "POST /echo?%s HTTP/1.1\r\nHost: bench\r\nX-Check: %s\r\n"
                                  "Content-Length: %zu\r\n\r\n%s",
                                  rq->query, rq->check_value, rq->body_len, rq->body);
  char answer[160];
  int a = snprintf(answer, sizeof answer, "x=%u check=%u sum=%u len=%zu body=%s\n", rq->x,
                   rq->check, rq->x + rq->check, rq->body_len, rq->body);
  rq->want_http_len = (size_t)snprintf(
      rq->want_http, sizeof rq->want_http,
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", a, answer);
  rq->want_cgi_len =
      (size_t)snprintf(rq->want_cgi, sizeof rq->want_cgi,
                       "Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n%s", answer);
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The q-quantile of sorted s[0..n) by linear interpolation (q = 0.5: the median). */
static double quantile(const double *s, size_t n, double q) {
  double pos = q * (double)(n - 1);
  size_t lo = (size_t)pos;
  if (lo + 1 >= n)
    return s[n - 1];
  return s[lo] + (pos - (double)lo) * (s[lo + 1] - s[lo]);
}

static void json_string(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      printf("\\%c", c);
    else if (c < 0x20)
      printf("\\u%04x", c);
    else
      putchar(c);
  }
  putchar('"');
}

int variant_failed(const char *variant, const char *guest, const char *why) {
  printf("{\"variant\":");
  json_string(variant);
  printf(",\"guest\":");
  json_string(guest);
  printf(",\"verified\":false,\"error\":");
  json_string(why);
  printf("}\n");
  fflush(stdout);
  return 1;
}

int measure(const char *variant, const char *guest, const char *note, serve_fn fn, void *state,
            const struct plan *plan) {
  struct bench_request rq;
  char why[256] = "";
  unsigned i = 0;
  for (; i < plan->warmup; i++) {
    request_make(&rq, i);
    if (fn(state, &rq, why, sizeof why) != 0) {
      char msg[320];
      snprintf(msg, sizeof msg, "warm-up request %u: %s", i, why);
      return variant_failed(variant, guest, msg);
    }
  }
  double *us = malloc(sizeof *us * plan->n);
  if (!us)
    return variant_failed(variant, guest, "out of memory");
  size_t n = 0;
  double start = now_us(), deadline = start + plan->max_seconds * 1e6;
  while (n < plan->n && (n < plan->min_n || now_us() < deadline)) {
    request_make(&rq, i); /* untimed: the request and the answers it must get */
    double t0 = now_us();
    int bad = fn(state, &rq, why, sizeof why);
    double t1 = now_us();
    if (bad) {
      free(us);
      char msg[320];
      snprintf(msg, sizeof msg, "request %u: %s", i, why);
      return variant_failed(variant, guest, msg);
    }
    us[n++] = t1 - t0;
    i++;
  }
  double sum = 0;
  for (size_t k = 0; k < n; k++)
    sum += us[k];
  qsort(us, n, sizeof *us, cmp_double);
  printf("{\"variant\":");
  json_string(variant);
  printf(",\"guest\":");
  json_string(guest);
  printf(",\"n\":%zu,\"median_us\":%.3f,\"p10_us\":%.3f,\"p90_us\":%.3f,\"min_us\":%.3f,"
         "\"max_us\":%.3f,\"mean_us\":%.3f,\"warmup\":%u,\"verified\":true,\"note\":",
         n, quantile(us, n, 0.5), quantile(us, n, 0.1), quantile(us, n, 0.9), us[0], us[n - 1],
         sum / (double)n, plan->warmup);
  json_string(note);
  printf("}\n");
  fflush(stdout);
  free(us);
  return 0;
}

int want_variant(const struct guests *g, const char *variant, const char *guest) {
  if (!g->only)
    return 1;
  char both[128];
  snprintf(both, sizeof both, "%s/%s", variant, guest);
  return strstr(both, g->only) != NULL;
}

unsigned char *read_whole_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "serve-bench: cannot open %s\n", path);
    return NULL;
  }
  unsigned char *buf = NULL;
  size_t cap = 0, n = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? cap * 2 : 65536;
      unsigned char *grown = realloc(buf, cap);
      if (!grown) {
        free(buf);
        fclose(f);
        fprintf(stderr, "serve-bench: out of memory reading %s\n", path);
        return NULL;
      }
      buf = grown;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0)
      break;
  }
  int err = ferror(f);
  fclose(f);
  if (err) {
    free(buf);
    fprintf(stderr, "serve-bench: cannot read %s\n", path);
    return NULL;
  }
  *len = n;
  return buf;
}

/* The machine, as one JSON line: CPU model, online CPUs, kernel, load average. */
void describe_machine(void) {
  char model[256] = "unknown";
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (f) {
    char line[512];
    while (fgets(line, sizeof line, f)) {
      char *colon = strchr(line, ':');
      if (strncmp(line, "model name", 10) == 0 && colon) {
        snprintf(model, sizeof model, "%s", colon + 2);
        model[strcspn(model, "\n")] = '\0';
        break;
      }
    }
    fclose(f);
  }
  struct utsname u;
  uname(&u);
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) < 0)
    load[0] = load[1] = load[2] = -1;
  printf("{\"machine\":{\"cpu\":");
  json_string(model);
  printf(",\"cpus_online\":%ld,\"kernel\":", sysconf(_SC_NPROCESSORS_ONLN));
  json_string(u.release);
  printf(",\"loadavg\":[%.2f,%.2f,%.2f]}}\n", load[0], load[1], load[2]);
  fflush(stdout);
}
