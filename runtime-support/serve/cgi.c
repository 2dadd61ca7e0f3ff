/* The CGI mapping (RFC 3875, and the variables WAGI adds). See serve.h.
 *
 * The whole application is mounted at "/": SCRIPT_NAME is empty and PATH_INFO is the whole
 * path, percent-decoded (X_RAW_PATH_INFO keeps it as sent). Every request header becomes
 * HTTP_<NAME> (upper case, '-' as '_'; repeated headers joined with ", "), except
 * Content-Length and Content-Type, which are CONTENT_LENGTH and CONTENT_TYPE, and Proxy, which
 * would be HTTP_PROXY, the proxy variable of many HTTP clients ("httpoxy").
 *
 * The response: CGI header lines (LF or CRLF), an empty line, the body. Status: "NNN reason"
 * sets the status (else 302 with a Location, else 200); Content-Type, Location and other
 * headers are passed on; Content-Length, Transfer-Encoding and Connection are ours. An output
 * with no empty line after its headers, a malformed line, or none of Status, Content-Type and
 * Location is not a CGI response: 502. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

/* ---- Building the environment --------------------------------------------------------------- */

static int env_reserve(struct cgi_env *env, size_t more) {
  if (env->len + more <= env->cap)
    return 0;
  size_t cap = env->cap ? env->cap : 4096;
  while (cap < env->len + more)
    cap *= 2;
  char *b = realloc(env->buf, cap);
  if (!b)
    return -1;
  env->buf = b;
  env->cap = cap;
  return 0;
}

/* Appends "NAME=VALUE\0"; the pointers are made at the end (the buffer may move). */
static int env_add(struct cgi_env *env, const char *name, const char *value, size_t value_len) {
  size_t n = strlen(name);
  if (env_reserve(env, n + 1 + value_len + 1) != 0)
    return -1;
  memcpy(env->buf + env->len, name, n);
  env->buf[env->len + n] = '=';
  memcpy(env->buf + env->len + n + 1, value, value_len);
  env->buf[env->len + n + 1 + value_len] = 0;
  env->len += n + 1 + value_len + 1;
  env->count++;
  return 0;
}

static int env_add_str(struct cgi_env *env, const char *name, const char *value) {
  return env_add(env, name, value, strlen(value));
}

/* The value of an earlier variable NAME=..., for joining repeated headers: its offset, or -1. */
static long env_find(const struct cgi_env *env, size_t from, const char *name, size_t name_len) {
  for (size_t at = from; at < env->len; at += strlen(env->buf + at) + 1)
    if (strncmp(env->buf + at, name, name_len) == 0 && env->buf[at + name_len] == '=')
      return (long)at;
  return -1;
}

static int hex(int c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

/* Percent-decodes s into out (as long as s). Its length, or -1 on "%00" (no NUL in a C string);
 * a malformed escape stays as it is. */
static long percent_decode(const char *s, size_t n, char *out) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    int h, l;
    if (s[i] == '%' && i + 2 < n && (h = hex(s[i + 1])) >= 0 && (l = hex(s[i + 2])) >= 0) {
      if (h == 0 && l == 0)
        return -1;
      out[o++] = (char)(h * 16 + l);
      i += 2;
    } else {
      out[o++] = s[i];
    }
  }
  return (long)o;
}

/* Adds HTTP_<NAME> for each header line of the (already validated) head. */
static int add_headers(struct cgi_env *env, size_t headers_from, const struct cgi_request *req) {
  const char *p = memchr(req->head, '\n', req->head_len);
  const char *end = req->head + req->head_len;
  char name[256 + 6];
  for (p = p ? p + 1 : end; p < end && *p != '\r';) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol)
      break;
    const char *colon = memchr(p, ':', (size_t)(eol - p));
    const char *v = colon + 1, *vend = eol - 1; /* before the CR */
    while (v < vend && (*v == ' ' || *v == '\t'))
      v++;
    while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
      vend--;
    size_t nlen = (size_t)(colon - p);
    const char *line = p;
    p = eol + 1;
    if (nlen > 256)
      continue; /* no such header is worth a variable */
    if ((nlen == 14 && strncasecmp(line, "content-length", 14) == 0) ||
        (nlen == 12 && strncasecmp(line, "content-type", 12) == 0) ||
        (nlen == 5 && strncasecmp(line, "proxy", 5) == 0))
      continue;
    memcpy(name, "HTTP_", 5);
    for (size_t i = 0; i < nlen; i++)
      name[5 + i] = line[i] == '-' ? '_' : (char)toupper((unsigned char)line[i]);
    name[5 + nlen] = 0;
    long at = env_find(env, headers_from, name, 5 + nlen);
    if (at < 0) {
      if (env_add(env, name, v, (size_t)(vend - v)) != 0)
        return -1;
      continue;
    }
    /* Repeated: append ", value" to the earlier one, moving what follows it. */
    size_t old_end = (size_t)at + strlen(env->buf + at); /* at its NUL */
    size_t add = 2 + (size_t)(vend - v);
    if (env_reserve(env, add) != 0)
      return -1;
    memmove(env->buf + old_end + add, env->buf + old_end, env->len - old_end);
    memcpy(env->buf + old_end, ", ", 2);
    memcpy(env->buf + old_end + 2, v, (size_t)(vend - v));
    env->len += add;
  }
  return 0;
}

int cgi_env_build(struct cgi_env *env, const struct serve_config *cfg,
                  const struct cgi_request *req) {
  env->len = 0;
  env->count = 0;
  for (uint32_t i = 0; i < cfg->envc; i++) {
    const char *eq = strchr(cfg->envp[i], '=');
    size_t n = strlen(cfg->envp[i]);
    if (env_reserve(env, n + 1) != 0)
      return 500;
    memcpy(env->buf + env->len, cfg->envp[i], n + 1);
    env->len += n + 1;
    env->count++;
    (void)eq;
  }
  size_t headers_from = env->len;
  const char *q = memchr(req->target, '?', req->target_len);
  size_t path_len = q ? (size_t)(q - req->target) : req->target_len;
  const char *query = q ? q + 1 : "";
  size_t query_len = q ? req->target_len - path_len - 1 : 0;
  char *decoded = malloc(path_len + 1);
  if (!decoded)
    return 500;
  long dlen = percent_decode(req->target, path_len, decoded);
  if (dlen < 0) {
    free(decoded);
    return 400;
  }
  char num[32], url_host[300];
  snprintf(num, sizeof num, "%zu", req->body_len);
  int failed = add_headers(env, headers_from, req) != 0;
  /* SERVER_NAME: the Host header's name (HTTP/1.1 has exactly one), else the listen host. */
  long host_at = env_find(env, headers_from, "HTTP_HOST", 9);
  const char *host = host_at >= 0 ? env->buf + host_at + 10 : cfg->listen_host;
  snprintf(url_host, sizeof url_host, "%s", host);
  char *server_name = url_host;
  if (server_name[0] != '[') {
    char *colon = strchr(server_name, ':');
    if (colon)
      *colon = 0;
  }
  char *content_type = NULL;
  for (const char *p = req->head; p && p < req->head + req->head_len;) {
    const char *eol = memchr(p, '\n', req->head_len - (size_t)(p - req->head));
    if (!eol)
      break;
    if ((size_t)(eol - p) > 13 && strncasecmp(p, "content-type:", 13) == 0) {
      const char *v = p + 13, *vend = eol - 1;
      while (v < vend && (*v == ' ' || *v == '\t'))
        v++;
      while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
        vend--;
      content_type = strndup(v, (size_t)(vend - v));
      break;
    }
    p = eol + 1;
  }
  char full_url[8192 + 400];
  snprintf(full_url, sizeof full_url, "http://%s%.*s", host, (int)req->target_len, req->target);
  const char *protocol = req->minor_version == 0 ? "HTTP/1.0" : "HTTP/1.1";
  failed =
      failed || env_add_str(env, "AUTH_TYPE", "") ||
      (req->body_len > 0 && env_add_str(env, "CONTENT_LENGTH", num)) ||
      (content_type && env_add_str(env, "CONTENT_TYPE", content_type)) ||
      env_add_str(env, "GATEWAY_INTERFACE", "CGI/1.1") ||
      env_add(env, "PATH_INFO", decoded, (size_t)dlen) ||
      env_add(env, "PATH_TRANSLATED", decoded, (size_t)dlen) ||
      env_add(env, "QUERY_STRING", query, query_len) ||
      env_add_str(env, "REMOTE_ADDR", req->remote_addr) ||
      env_add_str(env, "REMOTE_HOST", req->remote_addr) || env_add_str(env, "REMOTE_USER", "") ||
      env_add(env, "REQUEST_METHOD", req->method, req->method_len) ||
      env_add_str(env, "SCRIPT_NAME", "") || env_add_str(env, "SERVER_NAME", server_name) ||
      env_add_str(env, "SERVER_PORT", req->server_port) ||
      env_add_str(env, "SERVER_PROTOCOL", protocol) ||
      env_add_str(env, "SERVER_SOFTWARE", cfg->server_software) ||
      env_add_str(env, "X_MATCHED_ROUTE", "/...") || env_add_str(env, "X_FULL_URL", full_url) ||
      env_add(env, "X_RAW_PATH_INFO", req->target, path_len);
  free(decoded);
  free(content_type);
  if (failed)
    return 500;
  if (env->count + 1 > env->vars_cap) {
    uint32_t cap = env->count + 16;
    char **v = realloc(env->vars, cap * sizeof *v);
    if (!v)
      return 500;
    env->vars = v;
    env->vars_cap = cap;
  }
  size_t at = 0;
  for (uint32_t i = 0; i < env->count; i++) {
    env->vars[i] = env->buf + at;
    at += strlen(env->buf + at) + 1;
  }
  env->vars[env->count] = NULL;
  return 0;
}

void cgi_env_free(struct cgi_env *env) {
  free(env->buf);
  free(env->vars);
  memset(env, 0, sizeof *env);
}

/* ---- The response --------------------------------------------------------------------------- */

const char *http_reason(int status) {
  switch (status) {
  case 200:
    return "OK";
  case 201:
    return "Created";
  case 204:
    return "No Content";
  case 301:
    return "Moved Permanently";
  case 302:
    return "Found";
  case 303:
    return "See Other";
  case 304:
    return "Not Modified";
  case 400:
    return "Bad Request";
  case 403:
    return "Forbidden";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 408:
    return "Request Timeout";
  case 413:
    return "Content Too Large";
  case 414:
    return "URI Too Long";
  case 431:
    return "Request Header Fields Too Large";
  case 500:
    return "Internal Server Error";
  case 501:
    return "Not Implemented";
  case 502:
    return "Bad Gateway";
  case 503:
    return "Service Unavailable";
  case 504:
    return "Gateway Timeout";
  case 505:
    return "HTTP Version Not Supported";
  default:
    return "Unknown";
  }
}

static int out_reserve(struct http_response *r, size_t more) {
  if (r->len + more <= r->cap)
    return 0;
  size_t cap = r->cap ? r->cap : 1024;
  while (cap < r->len + more)
    cap *= 2;
  char *b = realloc(r->buf, cap);
  if (!b)
    return -1;
  r->buf = b;
  r->cap = cap;
  return 0;
}

static int out_add(struct http_response *r, const void *p, size_t n) {
  if (out_reserve(r, n) != 0)
    return -1;
  memcpy(r->buf + r->len, p, n);
  r->len += n;
  return 0;
}

static int out_addf(struct http_response *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int out_addf(struct http_response *r, const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof line)
    return -1;
  return out_add(r, line, (size_t)n);
}

int http_error_response(struct http_response *r, int status, bool keep_alive) {
  const char *reason = http_reason(status);
  r->len = 0;
  return out_addf(r,
                  "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                  "Connection: %s\r\n\r\n%s\n",
                  status, reason, strlen(reason) + 1, keep_alive ? "keep-alive" : "close",
                  reason) == 0
             ? status
             : -1;
}

static bool is_token_char(unsigned char c) {
  return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Case-insensitive "is this header line's name `name`". */
static bool name_is(const char *line, size_t name_len, const char *name) {
  return strlen(name) == name_len && strncasecmp(line, name, name_len) == 0;
}

int cgi_response(struct http_response *r, const uint8_t *out, size_t out_len, bool keep_alive,
                 bool head_only, const char **why) {
  const char *p = (const char *)out, *end = p + out_len;
  int status = 0;
  bool content_type = false, location = false, blank = false;
  char status_line[128] = "";
  /* Pass 1: validate the header block and find the status. */
  const char *body = NULL;
  for (const char *line = p; line < end;) {
    const char *nl = memchr(line, '\n', (size_t)(end - line));
    if (!nl)
      break;
    const char *le = nl > line && nl[-1] == '\r' ? nl - 1 : nl;
    if (le == line) {
      blank = true;
      body = nl + 1;
      break;
    }
    const char *colon = memchr(line, ':', (size_t)(le - line));
    size_t nlen = colon ? (size_t)(colon - line) : 0;
    bool ok = colon && nlen > 0;
    for (size_t i = 0; ok && i < nlen; i++)
      ok = is_token_char((unsigned char)line[i]);
    for (const char *c = colon ? colon + 1 : le; ok && c < le; c++)
      ok = *c == '\t' || ((unsigned char)*c >= 0x20 && *c != 0x7f);
    if (!ok) {
      *why = "a malformed CGI header line";
      return http_error_response(r, 502, keep_alive);
    }
    const char *v = colon + 1;
    while (v < le && (*v == ' ' || *v == '\t'))
      v++;
    if (name_is(line, nlen, "status")) {
      int code = 0, digits = 0;
      while (v < le && *v >= '0' && *v <= '9' && digits < 4)
        code = code * 10 + (*v++ - '0'), digits++;
      if (digits != 3 || code < 100 || code > 999 || (v < le && *v != ' ')) {
        *why = "a malformed CGI Status header";
        return http_error_response(r, 502, keep_alive);
      }
      while (v < le && *v == ' ')
        v++;
      status = code;
      snprintf(status_line, sizeof status_line, "%.*s", (int)(le - v), v);
    } else if (name_is(line, nlen, "content-type")) {
      content_type = true;
    } else if (name_is(line, nlen, "location")) {
      location = true;
    }
    line = nl + 1;
  }
  if (!blank) {
    *why = "no CGI header block (no empty line after the headers)";
    return http_error_response(r, 502, keep_alive);
  }
  if (!status && !content_type && !location) {
    *why = "no Status, Content-Type or Location CGI header";
    return http_error_response(r, 502, keep_alive);
  }
  if (!status)
    status = location && !content_type ? 302 : 200;
  size_t body_len = (size_t)(end - body);
  r->len = 0;
  if (out_addf(r, "HTTP/1.1 %d %s\r\n", status,
               status_line[0] ? status_line : http_reason(status)) != 0)
    return -1;
  /* Pass 2: the headers, but ours. */
  for (const char *line = p; line < body;) {
    const char *nl = memchr(line, '\n', (size_t)(body - line));
    const char *le = nl > line && nl[-1] == '\r' ? nl - 1 : nl;
    if (le == line)
      break;
    size_t nlen = (size_t)((const char *)memchr(line, ':', (size_t)(le - line)) - line);
    if (!name_is(line, nlen, "status") && !name_is(line, nlen, "content-length") &&
        !name_is(line, nlen, "transfer-encoding") && !name_is(line, nlen, "connection") &&
        (out_add(r, line, (size_t)(le - line)) != 0 || out_add(r, "\r\n", 2) != 0))
      return -1;
    line = nl + 1;
  }
  bool no_body = status == 204 || status == 304 || (status >= 100 && status < 200);
  if (out_addf(r, "Content-Length: %zu\r\nConnection: %s\r\n\r\n", no_body ? 0 : body_len,
               keep_alive ? "keep-alive" : "close") != 0)
    return -1;
  if (!head_only && !no_body && out_add(r, body, body_len) != 0)
    return -1;
  return status;
}
