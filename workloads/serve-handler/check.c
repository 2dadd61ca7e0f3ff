/* The serve guests' request check (see check.h). */
#include "check.h"

static int str_is(struct serve_str s, const char *lit) {
  size_t i = 0;
  for (; i < s.len; i++)
    if (lit[i] == '\0' || lit[i] != s.ptr[i])
      return 0;
  return lit[i] == '\0';
}

/* 1 to 9 decimal digits, nothing else. */
static int parse_small_number(struct serve_str s, uint64_t *v) {
  if (s.len == 0 || s.len > 9)
    return -1;
  uint64_t n = 0;
  for (size_t i = 0; i < s.len; i++) {
    if (s.ptr[i] < '0' || s.ptr[i] > '9')
      return -1;
    n = n * 10 + (uint64_t)(s.ptr[i] - '0');
  }
  *v = n;
  return 0;
}

int serve_put(char *out, size_t cap, size_t *pos, const char *s, size_t n) {
  if (n > cap - *pos)
    return -1;
  for (size_t i = 0; i < n; i++)
    out[*pos + i] = s[i];
  *pos += n;
  return 0;
}

int serve_put_u64(char *out, size_t cap, size_t *pos, uint64_t v) {
  char digits[20];
  size_t n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  if (n > cap - *pos)
    return -1;
  for (size_t i = 0; i < n; i++)
    out[*pos + i] = digits[n - 1 - i];
  *pos += n;
  return 0;
}

#define PUT_LIT(lit) serve_put(out, cap, &pos, lit, sizeof(lit) - 1)

long serve_check(const struct serve_request *req, char *out, size_t cap, const char **why) {
  uint64_t x, check;
  if (!str_is(req->method, "POST"))
    return *why = "method is not POST", -1;
  if (!str_is(req->path, "/echo"))
    return *why = "path is not /echo", -1;
  struct serve_str q = req->query;
  if (q.len < 2 || q.ptr[0] != 'x' || q.ptr[1] != '=' ||
      parse_small_number((struct serve_str){q.ptr + 2, q.len - 2}, &x) != 0)
    return *why = "query is not x=N", -1;
  if (!req->has_x_check || parse_small_number(req->x_check, &check) != 0)
    return *why = "X-Check header missing or not a number", -1;
  if (req->body.len == 0 || req->body.len > SERVE_MAX_BODY)
    return *why = "body empty or too long", -1;
  size_t pos = 0;
  if (PUT_LIT("x=") || serve_put_u64(out, cap, &pos, x) || PUT_LIT(" check=") ||
      serve_put_u64(out, cap, &pos, check) || PUT_LIT(" sum=") ||
      serve_put_u64(out, cap, &pos, x + check) || PUT_LIT(" len=") ||
      serve_put_u64(out, cap, &pos, req->body.len) || PUT_LIT(" body=") ||
      serve_put(out, cap, &pos, req->body.ptr, req->body.len) || PUT_LIT("\n"))
    return *why = "answer does not fit", -1;
  return (long)pos;
}
