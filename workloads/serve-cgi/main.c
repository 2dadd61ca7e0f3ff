/* serve-cgi: the serve benchmark's CGI guest (WAGI: the request in the environment and on
 * stdin, the response on stdout). REQUEST_METHOD, PATH_INFO, QUERY_STRING, HTTP_X_CHECK and the
 * body (CONTENT_LENGTH bytes of stdin) are checked as in ../serve-handler/check.h; the answer
 * is "Status: 200 OK" with the check's answer as body, or "Status: 400 Bad Request" with the
 * reason. One write(2) of the whole response: the WASI plumbing a request costs, no more. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../serve-handler/check.h"

static struct serve_str env(const char *name) {
  const char *v = getenv(name);
  return (struct serve_str){v ? v : "", v ? strlen(v) : 0};
}

/* Reads the body: CONTENT_LENGTH bytes (at most SERVE_MAX_BODY + 1, so an over-long body is
 * seen), or up to end of input when CONTENT_LENGTH is absent. -1 on a bad CONTENT_LENGTH or a
 * body shorter than announced. */
static long read_body(char *buf, size_t cap) {
  const char *cl = getenv("CONTENT_LENGTH");
  size_t want = cap;
  if (cl && *cl) {
    char *end;
    unsigned long v = strtoul(cl, &end, 10);
    if (*end != '\0' || cl[0] < '0' || cl[0] > '9')
      return -1;
    want = v < cap ? v : cap;
  }
  size_t got = 0;
  while (got < want) {
    ssize_t n = read(0, buf + got, want - got);
    if (n < 0)
      return -1;
    if (n == 0)
      break;
    got += (size_t)n;
  }
  if (cl && *cl && got < want)
    return -1;
  return (long)got;
}

static void write_all(const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(1, p, n);
    if (w <= 0)
      return;
    p += w, n -= (size_t)w;
  }
}

int main(void) {
  static char body[SERVE_MAX_BODY + 1];
  static char out[64 + SERVE_MAX_ANSWER];
  static const char ok_head[] = "Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n";
  static const char bad_head[] = "Status: 400 Bad Request\r\nContent-Type: text/plain\r\n\r\n";
  struct serve_request r = {.method = env("REQUEST_METHOD"),
                            .path = env("PATH_INFO"),
                            .query = env("QUERY_STRING"),
                            .x_check = env("HTTP_X_CHECK"),
                            .has_x_check = getenv("HTTP_X_CHECK") != NULL};
  const char *why = "body shorter than CONTENT_LENGTH";
  long body_len = read_body(body, sizeof body);
  long n = -1;
  size_t head = sizeof ok_head - 1;
  if (body_len >= 0) {
    r.body = (struct serve_str){body, (size_t)body_len};
    n = serve_check(&r, out + head, sizeof out - head, &why);
  }
  if (n >= 0) {
    memcpy(out, ok_head, head);
  } else {
    head = sizeof bad_head - 1;
    memcpy(out, bad_head, head);
    n = (long)strlen(why);
    memcpy(out + head, why, (size_t)n);
    out[head + (size_t)n++] = '\n';
  }
  write_all(out, head + (size_t)n);
  return 0;
}
