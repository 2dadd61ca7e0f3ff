/* The serve handler's parser and check (workloads/serve-handler/) on mutated requests, under
 * ASan and UBSan (ctest serve-handler-mutate): 200,000 requests derived from a valid one by
 * byte flips, insertions, deletions and truncations, plus random bytes. Each answer must be a
 * well-formed "HTTP/1.1 200 OK" or "HTTP/1.1 400 Bad Request" whose Content-Length is its body's
 * length, and the unmutated request must get exactly its answer. Deterministic (fixed seed). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../workloads/serve-handler/handler.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)rng_state;
}

static int well_formed(const char *r, long n) {
  static const char ok[] = "HTTP/1.1 200 OK\r\n", bad[] = "HTTP/1.1 400 Bad Request\r\n";
  if (n <= 0 || n > SERVE_MAX_RESPONSE)
    return 0;
  if (strncmp(r, ok, sizeof ok - 1) != 0 && strncmp(r, bad, sizeof bad - 1) != 0)
    return 0;
  const char *cl = NULL, *end = NULL;
  for (long i = 0; i + 3 < n; i++) {
    if (!cl && strncmp(r + i, "Content-Length: ", 16) == 0)
      cl = r + i + 16;
    if (memcmp(r + i, "\r\n\r\n", 4) == 0) {
      end = r + i + 4;
      break;
    }
  }
  if (!cl || !end)
    return 0;
  return strtol(cl, NULL, 10) == (long)(r + n - end);
}

int main(void) {
  static const char good[] =
      "POST /echo?x=5 HTTP/1.1\r\nHost: t\r\nX-Check: 7\r\nContent-Length: 5\r\n\r\nhello";
  static const char want_body[] = "x=5 check=7 sum=12 len=5 body=hello\n";
  static char req[SERVE_MAX_REQUEST + 64], resp[SERVE_MAX_RESPONSE];
  long n = serve_handle_http(good, sizeof good - 1, resp, sizeof resp);
  if (!well_formed(resp, n) || strncmp(resp, "HTTP/1.1 200 OK", 15) != 0 ||
      memcmp(resp + n - (long)(sizeof want_body - 1), want_body, sizeof want_body - 1) != 0) {
    fprintf(stderr, "mutate_handler: the valid request got %.*s\n", (int)(n > 0 ? n : 0), resp);
    return 1;
  }
  long counts[2] = {0, 0};
  for (int iter = 0; iter < 200000; iter++) {
    size_t len = sizeof good - 1;
    memcpy(req, good, len);
    if (iter % 10 == 0) { /* random bytes of random length, up to past the limit */
      len = rng() % (SERVE_MAX_REQUEST + 40);
      for (size_t i = 0; i < len; i++)
        req[i] = (char)rng();
    } else {
      for (int m = 1 + (int)(rng() % 4); m > 0; m--) {
        size_t at = rng() % (len + 1);
        switch (rng() % 4) {
        case 0:
          if (at < len)
            req[at] = (char)rng();
          break;
        case 1: /* insert */
          if (len < sizeof req - 1) {
            memmove(req + at + 1, req + at, len - at);
            req[at] = (char)("\r\n: ?=0123456789xX"[rng() % 18]);
            len++;
          }
          break;
        case 2: /* delete */
          if (at < len) {
            memmove(req + at, req + at + 1, len - at - 1);
            len--;
          }
          break;
        default:
          len = at;
        }
      }
    }
    n = serve_handle_http(req, len, resp, sizeof resp);
    if (!well_formed(resp, n)) {
      fprintf(stderr, "mutate_handler: iteration %d: malformed answer (%ld bytes)\n", iter, n);
      return 1;
    }
    counts[resp[9] == '2']++;
  }
  if (serve_handle_http(good, sizeof good - 1, resp, 100) != -1) {
    fprintf(stderr, "mutate_handler: a too small response buffer was accepted\n");
    return 1;
  }
  printf("mutate_handler: 200,000 mutated requests, %ld answered 200, %ld answered 400, all "
         "well-formed\n",
         counts[1], counts[0]);
  return 0;
}
