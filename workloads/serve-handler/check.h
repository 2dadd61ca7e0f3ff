/* The request check of the serve benchmark's guests (the seed's handler: it checks the URI, a
 * header and the body, and answers with something the harness can verify).
 *
 * A valid request: method POST, path "/echo", query "x=N", header "X-Check: M" (N and M of 1 to
 * 9 decimal digits), a body of 1 to SERVE_MAX_BODY bytes. The answer's body is then
 *   "x=N check=M sum=N+M len=LEN body=BODY\n"
 * (numbers in decimal, BODY the request body byte for byte), so a harness that sent the request
 * knows the exact answer. Anything else is refused with a one-line reason.
 *
 * Shared, byte for byte, by the CGI guest (serve-cgi), the handler-export guest (serve-handler)
 * and the native builds of both in bench/serve/. No libc beyond <stddef.h>/<stdint.h>, so the
 * handler guest links nothing else. */
#ifndef SERVE_CHECK_H
#define SERVE_CHECK_H

#include <stddef.h>
#include <stdint.h>

#define SERVE_MAX_BODY 4096
/* The longest answer body: the fixed text, three numbers, the length and the echoed body. */
#define SERVE_MAX_ANSWER (SERVE_MAX_BODY + 96)

/* A byte string that is not NUL-terminated (header values, the body). */
struct serve_str {
  const char *ptr;
  size_t len;
};

struct serve_request {
  struct serve_str method, path, query, x_check, body;
  int has_x_check;
};

/* Checks req and writes the answer body to out (cap bytes). Returns its length, or -1 with
 * *why set to a static one-line reason (no newline) when the request is refused or the answer
 * does not fit. */
long serve_check(const struct serve_request *req, char *out, size_t cap, const char **why);

/* Appends the decimal digits of v to out at *pos (cap bytes); 0 on success, -1 if no room. */
int serve_put_u64(char *out, size_t cap, size_t *pos, uint64_t v);
/* Appends n bytes; 0 on success, -1 if no room. */
int serve_put(char *out, size_t cap, size_t *pos, const char *s, size_t n);

#endif
