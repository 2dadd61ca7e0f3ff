/* The serve microbenchmark (bench/serve/serve_bench.c): the seed's per-request variants on the
 * serve guests: each request built untimed, then handed to the variant and its response checked
 * byte for byte inside the timer. */
#ifndef SERVE_BENCH_H
#define SERVE_BENCH_H

#include <stddef.h>

/* One request and the exact answers the guests must give to it. Request i has x = i, X-Check
 * 42 and a body naming i, so a stale or mixed-up answer fails the check. */
struct bench_request {
  unsigned x, check;
  char query[24];
  char check_value[16];
  char content_length[16];
  char body[64];
  size_t body_len;
  char http[512]; /* the raw HTTP/1.1 request (handler guest) */
  size_t http_len;
  char want_http[512]; /* the handler's response */
  size_t want_http_len;
  char want_cgi[512]; /* the CGI guest's stdout */
  size_t want_cgi_len;
};

void request_make(struct bench_request *rq, unsigned i);

/* A variant: handles rq and checks the response. 0 when it is right; otherwise non-zero with
 * the reason in why. */
typedef int (*serve_fn)(void *state, const struct bench_request *rq, char *why, size_t why_len);

struct plan {
  unsigned n;         /* measured requests at most */
  double max_seconds; /* ... or until this much time has passed (at least min_n) */
  unsigned min_n;
  unsigned warmup;
};

/* Runs warm-up and measured requests of one variant and prints its JSON line; 0 if every
 * response was right. */
int measure(const char *variant, const char *guest, const char *note, serve_fn fn, void *state,
            const struct plan *plan);
/* Prints a JSON line saying why a variant could not run ({"variant":..,"error":..}); returns 1. */
int variant_failed(const char *variant, const char *guest, const char *why);

/* The variants, by family. Each returns 0 if all its variants ran and verified. */
struct guests {
  const char *cgi_wasm, *handler_wasm, *cgi_native;
  const char *only; /* run only variants whose name contains this (NULL: all) */
};
int run_native_variants(const struct guests *g, const struct plan *plan);
int run_wasmtime_variants(const struct guests *g, const struct plan *plan);
int want_variant(const struct guests *g, const char *variant, const char *guest);

/* Prints the machine as one JSON line: {"machine":{"cpu":..,"cpus_online":..,"kernel":..,
 * "loadavg":[..]}}. */
void describe_machine(void);

/* Reads a whole file; NULL with a message on stderr on failure. */
unsigned char *read_whole_file(const char *path, size_t *len);

#endif
