/* The serve benchmark's HTTP handler (see handler.h). */
#include "handler.h"
#include "check.h"

static char lower(char c) {
  return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int name_is(const char *p, size_t n, const char *lower_lit) {
  size_t i = 0;
  for (; i < n; i++)
    if (lower_lit[i] == '\0' || lower(p[i]) != lower_lit[i])
      return 0;
  return lower_lit[i] == '\0';
}

/* The offset of the first "\r\n" at or after from, or -1. */
static long find_crlf(const char *p, size_t len, size_t from) {
  for (size_t i = from; i + 1 < len; i++)
    if (p[i] == '\r' && p[i + 1] == '\n')
      return (long)i;
  return -1;
}

static struct serve_str trim(const char *p, size_t n) {
  while (n > 0 && (*p == ' ' || *p == '\t'))
    p++, n--;
  while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
    n--;
  return (struct serve_str){p, n};
}

/* Fills r from the raw request; NULL on success, else the reason. */
static const char *parse(const char *req, size_t len, struct serve_request *r) {
  if (len > SERVE_MAX_REQUEST)
    return "request too long";
  long eol = find_crlf(req, len, 0);
  if (eol < 0)
    return "no request line";
  size_t line_end = (size_t)eol, i = 0;
  while (i < line_end && req[i] != ' ')
    i++;
  r->method = (struct serve_str){req, i};
  size_t target = ++i;
  while (i < line_end && req[i] != ' ')
    i++;
  if (i >= line_end || !name_is(req + i + 1, line_end - i - 1, "http/1.1"))
    return "bad request line";
  size_t q = target;
  while (q < i && req[q] != '?')
    q++;
  r->path = (struct serve_str){req + target, q - target};
  r->query = q < i ? (struct serve_str){req + q + 1, i - q - 1} : (struct serve_str){req + i, 0};
  r->has_x_check = 0;
  int has_length = 0;
  size_t content_length = 0, pos = line_end + 2;
  for (;;) {
    eol = find_crlf(req, len, pos);
    if (eol < 0)
      return "headers not terminated";
    if ((size_t)eol == pos)
      break;
    size_t colon = pos;
    while (colon < (size_t)eol && req[colon] != ':')
      colon++;
    if (colon == (size_t)eol)
      return "header without a colon";
    struct serve_str value = trim(req + colon + 1, (size_t)eol - colon - 1);
    if (name_is(req + pos, colon - pos, "x-check")) {
      r->x_check = value;
      r->has_x_check = 1;
    } else if (name_is(req + pos, colon - pos, "content-length")) {
      if (value.len == 0 || value.len > 5)
        return "bad Content-Length";
      content_length = 0;
      for (size_t k = 0; k < value.len; k++) {
        if (value.ptr[k] < '0' || value.ptr[k] > '9')
          return "bad Content-Length";
        content_length = content_length * 10 + (size_t)(value.ptr[k] - '0');
      }
      has_length = 1;
    }
    pos = (size_t)eol + 2;
  }
  pos += 2;
  if (!has_length)
    content_length = 0;
  if (len - pos != content_length)
    return "body length is not Content-Length";
  r->body = (struct serve_str){req + pos, content_length};
  return 0;
}

#define HEADER_ROOM 96

long serve_handle_http(const char *req, size_t len, char *resp, size_t cap) {
  if (cap < SERVE_MAX_RESPONSE)
    return -1;
  struct serve_request r;
  const char *why = parse(req, len, &r);
  long body_len = -1;
  /* The body goes after room for the head, which is then written and the body moved down. */
  if (!why)
    body_len = serve_check(&r, resp + HEADER_ROOM, cap - HEADER_ROOM, &why);
  int ok = body_len >= 0;
  if (!ok) {
    size_t n = 0;
    while (why[n])
      n++;
    size_t p = 0;
    serve_put(resp + HEADER_ROOM, cap - HEADER_ROOM, &p, why, n);
    serve_put(resp + HEADER_ROOM, cap - HEADER_ROOM, &p, "\n", 1);
    body_len = (long)p;
  }
  char head[HEADER_ROOM];
  size_t h = 0;
  static const char ok_head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ";
  static const char bad_head[] =
      "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: ";
  if (ok)
    serve_put(head, sizeof head, &h, ok_head, sizeof ok_head - 1);
  else
    serve_put(head, sizeof head, &h, bad_head, sizeof bad_head - 1);
  serve_put_u64(head, sizeof head, &h, (size_t)body_len);
  serve_put(head, sizeof head, &h, "\r\n\r\n", 4);
  for (size_t k = 0; k < h; k++)
    resp[k] = head[k];
  for (long k = 0; k < body_len; k++)
    resp[h + (size_t)k] = resp[HEADER_ROOM + (size_t)k];
  return (long)h + body_len;
}
