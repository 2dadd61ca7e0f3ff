/* Routing and response formatting. See response.h. */
#include "response.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* "HTTP/1.1 STATUS REASON\r\nDate: ...\r\nContent-Type: text/plain\r\nContent-Length: " */
static size_t format_head(char *buf, size_t size, int status, const char *date) {
  int n = snprintf(buf, size,
                   "HTTP/1.1 %d %s\r\n%sContent-Type: text/plain\r\nContent-Length: ", status,
                   reason_phrase(status), date);
  return n < 0 || (size_t)n >= size ? 0 : (size_t)n;
}

void header_cache_update(struct header_cache *h, time_t now) {
  if (h->date_len && h->second == now)
    return;
  struct tm tm;
  gmtime_r(&now, &tm);
  h->date_len = strftime(h->date, sizeof h->date, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
  h->ok_len = format_head(h->ok, sizeof h->ok, 200, h->date);
  h->not_found_len = format_head(h->not_found, sizeof h->not_found, 404, h->date);
  h->second = now;
}

/* connection: 0 = nothing to say (HTTP/1.1 keep-alive), 1 = "close", 2 = "keep-alive"
 * (HTTP/1.0 clients that asked for it). */
static bool append_response(struct out_buf *out, int status, const char *body, size_t body_len,
                            bool head_only, int connection, const struct header_cache *heads) {
  char other[192];
  const char *head = other;
  size_t head_len;
  if (status == 200) {
    head = heads->ok;
    head_len = heads->ok_len;
  } else if (status == 404) {
    head = heads->not_found;
    head_len = heads->not_found_len;
  } else {
    head_len = format_head(other, sizeof other, status, heads->date);
  }
  if (!reserve(out, head_len + 20 + 32 + body_len))
    return false;
  char number[20];
  put(out, head, head_len);
  put(out, number, format_u64(number, body_len));
  if (connection == 1)
    PUT_LITERAL(out, "\r\nConnection: close\r\n\r\n");
  else if (connection == 2)
    PUT_LITERAL(out, "\r\nConnection: keep-alive\r\n\r\n");
  else
    PUT_LITERAL(out, "\r\n\r\n");
  if (!head_only)
    put(out, body, body_len);
  return true;
}

static bool equals(const char *s, size_t n, const char *lit) {
  return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

bool respond_to_request(struct out_buf *out, const struct http_request *req,
                        const struct header_cache *heads, uint64_t *state_counter) {
  bool get = equals(req->method, req->method_len, "GET");
  bool head = equals(req->method, req->method_len, "HEAD");
  int connection = !req->keep_alive ? 1 : req->minor_version == 0 ? 2 : 0;
  if ((get || head) && equals(req->path, req->path_len, "/"))
    return append_response(out, 200, "hello", 5, head, connection, heads);
  if ((get || head) && equals(req->path, req->path_len, "/state")) {
    char number[20];
    size_t n = format_u64(number, ++*state_counter);
    return append_response(out, 200, number, n, head, connection, heads);
  }
  return append_response(out, 404, "not found\n", 10, head, connection, heads);
}

bool respond_error(struct out_buf *out, int status, const struct header_cache *heads) {
  const char *reason = reason_phrase(status);
  char body[64];
  size_t n = strlen(reason);
  memcpy(body, reason, n);
  body[n++] = '\n';
  return append_response(out, status, body, n, false, 1, heads);
}

void out_buf_free(struct out_buf *out) {
  free(out->data);
  *out = (struct out_buf){0};
}
