/* Routing and response formatting. See response.h. */
#include "response.h"

#include <stdlib.h>
#include <string.h>

void date_cache_update(struct date_cache *d, time_t now) {
  if (d->len && d->second == now)
    return;
  struct tm tm;
  gmtime_r(&now, &tm);
  d->len = strftime(d->line, sizeof d->line, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
  d->second = now;
}

static bool reserve(struct out_buf *out, size_t more) {
  if (out->len + more <= out->cap)
    return true;
  size_t cap = out->cap ? out->cap : 512;
  while (cap < out->len + more)
    cap *= 2;
  char *p = realloc(out->data, cap);
  if (!p)
    return false;
  out->data = p;
  out->cap = cap;
  return true;
}

static void put(struct out_buf *out, const char *s, size_t n) {
  memcpy(out->data + out->len, s, n);
  out->len += n;
}
#define PUT_LITERAL(out, lit) put(out, lit, sizeof lit - 1)

/* Decimal digits of v into buf (at least 20 bytes); returns the length. */
static size_t format_u64(char *buf, uint64_t v) {
  char tmp[20];
  size_t n = 0;
  do
    tmp[n++] = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  for (size_t i = 0; i < n; i++)
    buf[i] = tmp[n - 1 - i];
  return n;
}

static const char *reason_phrase(int status) {
  switch (status) {
  case 200:
    return "OK";
  case 400:
    return "Bad Request";
  case 404:
    return "Not Found";
  case 413:
    return "Content Too Large";
  case 414:
    return "URI Too Long";
  case 431:
    return "Request Header Fields Too Large";
  case 501:
    return "Not Implemented";
  case 505:
    return "HTTP Version Not Supported";
  default:
    return "Error";
  }
}

/* connection: 0 = nothing to say (HTTP/1.1 keep-alive), 1 = "close", 2 = "keep-alive"
 * (HTTP/1.0 clients that asked for it). */
static bool append_response(struct out_buf *out, int status, const char *body, size_t body_len,
                            bool head_only, int connection, const struct date_cache *date) {
  char number[20];
  const char *reason = reason_phrase(status);
  if (!reserve(out, 160 + strlen(reason) + date->len + body_len))
    return false;
  PUT_LITERAL(out, "HTTP/1.1 ");
  put(out, number, format_u64(number, (uint64_t)status));
  PUT_LITERAL(out, " ");
  put(out, reason, strlen(reason));
  PUT_LITERAL(out, "\r\n");
  put(out, date->line, date->len);
  PUT_LITERAL(out, "Content-Type: text/plain\r\nContent-Length: ");
  put(out, number, format_u64(number, body_len));
  PUT_LITERAL(out, "\r\n");
  if (connection == 1)
    PUT_LITERAL(out, "Connection: close\r\n");
  else if (connection == 2)
    PUT_LITERAL(out, "Connection: keep-alive\r\n");
  PUT_LITERAL(out, "\r\n");
  if (!head_only)
    put(out, body, body_len);
  return true;
}

static bool equals(const char *s, size_t n, const char *lit) {
  return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

bool respond_to_request(struct out_buf *out, const struct http_request *req,
                        const struct date_cache *date, uint64_t *state_counter) {
  bool get = equals(req->method, req->method_len, "GET");
  bool head = equals(req->method, req->method_len, "HEAD");
  int connection = !req->keep_alive ? 1 : req->minor_version == 0 ? 2 : 0;
  if ((get || head) && equals(req->path, req->path_len, "/"))
    return append_response(out, 200, "hello", 5, head, connection, date);
  if ((get || head) && equals(req->path, req->path_len, "/state")) {
    char number[20];
    size_t n = format_u64(number, ++*state_counter);
    return append_response(out, 200, number, n, head, connection, date);
  }
  return append_response(out, 404, "not found\n", 10, head, connection, date);
}

bool respond_error(struct out_buf *out, int status, const struct date_cache *date) {
  const char *reason = reason_phrase(status);
  char body[64];
  size_t n = strlen(reason);
  memcpy(body, reason, n);
  body[n++] = '\n';
  return append_response(out, status, body, n, false, 1, date);
}

void out_buf_free(struct out_buf *out) {
  free(out->data);
  *out = (struct out_buf){0};
}
