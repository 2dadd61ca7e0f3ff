/* HTTP/1.1 request-head parser. See http_parse.h. */
#include "http_parse.h"

#include <string.h>

/* Where the parser ran out of bytes: decides the status when the head is over the limit. */
enum stage { IN_METHOD, IN_TARGET, IN_VERSION, IN_HEADERS };

enum { NEED = 0, OK = 1 };

struct cursor {
  const unsigned char *p;
  size_t len, pos;
  enum stage stage;
};

/* RFC 9110 token characters. */
static bool is_tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
    return true;
  return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Field-value bytes: visible ASCII, space, tab and obs-text; no other control characters. */
static bool is_field_byte(unsigned char c) {
  return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool equals_nocase(const unsigned char *s, size_t n, const char *lit) {
  size_t m = strlen(lit);
  if (n != m)
    return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char a = s[i], b = (unsigned char)lit[i];
    if (a >= 'A' && a <= 'Z')
      a = (unsigned char)(a - 'A' + 'a');
    if (a != b)
      return false;
  }
  return true;
}

/* Consumes "\r\n": OK, NEED, or -400 for anything else (a bare LF or CR). */
static int expect_crlf(struct cursor *c) {
  if (c->pos >= c->len)
    return NEED;
  if (c->p[c->pos] != '\r')
    return -400;
  if (c->pos + 1 >= c->len)
    return NEED;
  if (c->p[c->pos + 1] != '\n')
    return -400;
  c->pos += 2;
  return OK;
}

/* METHOD SP TARGET SP HTTP/D.D CRLF */
static int parse_request_line(struct cursor *c, struct http_request *req) {
  size_t i = 0;
  while (i < c->len && is_tchar(c->p[i]))
    i++;
  if (i == c->len)
    return NEED;
  if (i == 0 || c->p[i] != ' ')
    return -400;
  req->method = (const char *)c->p;
  req->method_len = i;

  c->stage = IN_TARGET;
  size_t target = ++i, query = 0;
  for (; i < c->len && c->p[i] > 0x20 && c->p[i] < 0x7f; i++)
    if (c->p[i] == '?' && !query)
      query = i;
  if (i == c->len)
    return NEED;
  if (i == target || c->p[i] != ' ')
    return -400;
  req->path = (const char *)c->p + target;
  req->path_len = (query ? query : i) - target;

  c->stage = IN_VERSION;
  i++;
  static const char shape[] = "HTTP/D.D"; /* D: a digit */
  for (size_t k = 0; k < sizeof shape - 1; k++, i++) {
    if (i == c->len)
      return NEED;
    unsigned char ch = c->p[i];
    bool fits = shape[k] == 'D' ? ch >= '0' && ch <= '9' : ch == (unsigned char)shape[k];
    if (!fits)
      return -400;
  }
  if (c->p[i - 3] != '1')
    return -505; /* HTTP/2 and up do not start with this request line */
  req->minor_version = c->p[i - 1] == '0' ? 0 : 1;
  c->pos = i;
  return expect_crlf(c);
}

/* Applies the fields we act on. Returns OK or a negative status. */
static int apply_field(struct http_request *req, const unsigned char *name, size_t name_len,
                       const unsigned char *value, size_t value_len, bool *seen_length,
                       int *hosts) {
  if (equals_nocase(name, name_len, "content-length")) {
    uint64_t n = 0;
    if (value_len == 0)
      return -400;
    for (size_t i = 0; i < value_len; i++) {
      if (value[i] < '0' || value[i] > '9')
        return -400;
      n = n * 10 + (uint64_t)(value[i] - '0');
      if (n > HTTP_MAX_BODY_BYTES)
        return -413;
    }
    if (*seen_length && n != req->content_length)
      return -400; /* conflicting lengths: a request-smuggling shape */
    *seen_length = true;
    req->content_length = n;
  } else if (equals_nocase(name, name_len, "transfer-encoding")) {
    return -501; /* we take no chunked bodies */
  } else if (equals_nocase(name, name_len, "host")) {
    ++*hosts;
  } else if (equals_nocase(name, name_len, "connection")) {
    /* A comma-separated list of tokens; "close" and "keep-alive" are the ones we act on. */
    size_t i = 0;
    while (i < value_len) {
      while (i < value_len && (value[i] == ' ' || value[i] == '\t' || value[i] == ','))
        i++;
      size_t start = i;
      while (i < value_len && value[i] != ',' && value[i] != ' ' && value[i] != '\t')
        i++;
      if (equals_nocase(value + start, i - start, "close"))
        req->keep_alive = false;
      else if (equals_nocase(value + start, i - start, "keep-alive") && req->minor_version == 0)
        req->keep_alive = true;
    }
  }
  return OK;
}

/* *(field-name ":" OWS field-value OWS CRLF) CRLF */
static int parse_headers(struct cursor *c, struct http_request *req) {
  bool seen_length = false;
  int hosts = 0, fields = 0;
  for (;;) {
    size_t i = c->pos;
    if (i >= c->len)
      return NEED;
    if (c->p[i] == '\r') {
      int r = expect_crlf(c);
      if (r != OK)
        return r;
      /* HTTP/1.1 requires exactly one Host (RFC 9112 3.2). */
      if (req->minor_version >= 1 && hosts != 1)
        return -400;
      return OK;
    }
    if (++fields > HTTP_MAX_HEADERS)
      return -431;
    size_t name = i;
    while (i < c->len && is_tchar(c->p[i]))
      i++;
    if (i == c->len)
      return NEED;
    /* No name, whitespace before the colon, or a continuation line (obs-fold): all 400. */
    if (i == name || c->p[i] != ':')
      return -400;
    size_t name_len = i - name;
    i++;
    while (i < c->len && (c->p[i] == ' ' || c->p[i] == '\t'))
      i++;
    size_t value = i;
    while (i < c->len && is_field_byte(c->p[i]))
      i++;
    if (i == c->len)
      return NEED;
    size_t value_end = i;
    while (value_end > value && (c->p[value_end - 1] == ' ' || c->p[value_end - 1] == '\t'))
      value_end--;
    c->pos = i;
    int r = expect_crlf(c);
    if (r != OK)
      return r;
    r = apply_field(req, c->p + name, name_len, c->p + value, value_end - value, &seen_length,
                    &hosts);
    if (r != OK)
      return r;
  }
}

int http_parse_request(const char *buf, size_t len, struct http_request *req) {
  bool over_limit = len > HTTP_MAX_HEAD_BYTES;
  struct cursor c = {(const unsigned char *)buf, over_limit ? HTTP_MAX_HEAD_BYTES : len, 0,
                     IN_METHOD};
  memset(req, 0, sizeof *req);
  int r = parse_request_line(&c, req);
  if (r == OK) {
    req->keep_alive = req->minor_version >= 1;
    c.stage = IN_HEADERS;
    r = parse_headers(&c, req);
  }
  if (r == OK) {
    req->head_bytes = c.pos;
    return (int)c.pos;
  }
  if (r == NEED && (over_limit || len == HTTP_MAX_HEAD_BYTES)) {
    /* The head does not fit in the limit. */
    switch (c.stage) {
    case IN_TARGET:
      return -414;
    case IN_HEADERS:
      return -431;
    default:
      return -400;
    }
  }
  return r;
}
