/* The server's request-head parser on its own (workloads/http-server/http_parse.c): fields,
 * incremental feeding, the size limits at their exact edges, and the statuses of bad input. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"

static int parse(const char *s, struct http_request *req) {
  return http_parse_request(s, strlen(s), req);
}

/* Every strict prefix needs more; the whole gives `want` — the parser never decides early. */
static void expect_incremental(const char *s, int want) {
  struct http_request req;
  size_t n = strlen(s);
  for (size_t k = 0; k < n; k++) {
    int r = http_parse_request(s, k, &req);
    cr_assert(r == HTTP_NEED_MORE || (want < 0 && r == want),
              "prefix of %zu/%zu bytes gave %d, expected more-needed or %d", k, n, r, want);
  }
  cr_assert_eq(http_parse_request(s, n, &req), want, "%s", s);
}

Test(http_parse, fields_of_a_simple_request) {
  struct http_request req;
  const char *s = "GET /state?x=1 HTTP/1.1\r\nHost: a\r\nX-Other: b \r\n\r\nGET / HTTP/1.1\r\n";
  int r = parse(s, &req);
  cr_assert_eq(r, (int)(strstr(s, "\r\n\r\n") - s + 4));
  cr_assert_eq(req.head_bytes, (size_t)r);
  cr_assert(req.method_len == 3 && memcmp(req.method, "GET", 3) == 0);
  cr_assert(req.path_len == 6 && memcmp(req.path, "/state", 6) == 0, "query not cut off");
  cr_assert_eq(req.minor_version, 1);
  cr_assert(req.keep_alive);
  cr_assert_eq(req.content_length, 0);
}

Test(http_parse, incremental_feeding) {
  const char *get = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  const char *post = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n";
  expect_incremental(get, (int)strlen(get));
  expect_incremental(post, (int)strlen(post));
  expect_incremental("GET / HTTP/1.1\r\nHost: a\r\nBad Name: b\r\n\r\n", -400);
  expect_incremental("GET / HTTP/3.0\r\nHost: a\r\n\r\n", -505);
}

Test(http_parse, keep_alive_by_version_and_connection_header) {
  struct http_request req;
  parse("GET / HTTP/1.0\r\n\r\n", &req);
  cr_assert(!req.keep_alive && req.minor_version == 0);
  parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &req);
  cr_assert(req.keep_alive);
  parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n", &req);
  cr_assert(!req.keep_alive);
  parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n", &req);
  cr_assert(req.keep_alive);
}

Test(http_parse, content_length) {
  struct http_request req;
  cr_assert_gt(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048576\r\n\r\n", &req), 0);
  cr_assert_eq(req.content_length, 1048576);
  cr_assert_eq(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048577\r\n\r\n", &req), -413);
  cr_assert_eq(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", &req), -400);
  cr_assert_eq(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", &req), -400);
  cr_assert_gt(
      parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", &req),
      0, "equal repeated lengths are allowed");
  cr_assert_eq(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", &req),
               -501);
}

Test(http_parse, malformed_heads) {
  struct http_request req;
  const struct {
    const char *text;
    int status;
  } cases[] = {
      {"\x16\x03\x01\x02\x00", -400}, /* a TLS ClientHello */
      {"GET  / HTTP/1.1\r\n", -400},  /* two spaces */
      {"GET / HTTP/1.1\n", -400},     /* bare LF */
      {"GET / HTTP/1.1\r\r", -400},   /* bare CR */
      {"GET / HTTP/1.1 \r\n", -400},  /* trailing space */
      {"GET / HTTX/1.1\r\n", -400},
      {"GET / HTTP/1.1\r\n\r\n", -400}, /* no Host */
      {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", -400},
      {"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", -400},
      {"GET / HTTP/1.1\r\nHost: a\r\n: empty-name\r\n\r\n", -400},
      {"GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n", -400},
      {"GET /\x01 HTTP/1.1\r\n", -400},
      {"GET / HTTP/2.0\r\n", -505},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    cr_assert_eq(parse(cases[i].text, &req), cases[i].status, "case %zu: %s", i, cases[i].text);
}

/* A request whose head is exactly `head_len` bytes, padded in one header value. */
static char *request_of_size(size_t head_len) {
  const char *start = "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: ", *end = "\r\n\r\n";
  char *s = malloc(head_len + 1);
  size_t pad = head_len - strlen(start) - strlen(end);
  sprintf(s, "%s", start);
  memset(s + strlen(start), 'p', pad);
  strcpy(s + strlen(start) + pad, end);
  return s;
}

Test(http_parse, head_size_limit_exact_edges) {
  struct http_request req;
  char *fits = request_of_size(HTTP_MAX_HEAD_BYTES),
       *over = request_of_size(HTTP_MAX_HEAD_BYTES + 1);
  cr_assert_eq(parse(fits, &req), HTTP_MAX_HEAD_BYTES);
  cr_assert_eq(parse(over, &req), -431);
  /* Too long before the end arrives is already decided: no need to wait for the rest. */
  cr_assert_eq(http_parse_request(over, HTTP_MAX_HEAD_BYTES, &req), -431);
  cr_assert_eq(http_parse_request(over, HTTP_MAX_HEAD_BYTES - 1, &req), HTTP_NEED_MORE);
  free(fits);
  free(over);

  char *uri = malloc(HTTP_MAX_HEAD_BYTES + 16);
  strcpy(uri, "GET /");
  memset(uri + 5, 'u', HTTP_MAX_HEAD_BYTES);
  uri[HTTP_MAX_HEAD_BYTES + 5] = 0;
  cr_assert_eq(parse(uri, &req), -414);
  free(uri);
}

Test(http_parse, header_count_limit) {
  struct http_request req;
  char buf[4096];
  for (int n = HTTP_MAX_HEADERS; n <= HTTP_MAX_HEADERS + 1; n++) {
    size_t len = (size_t)sprintf(buf, "GET / HTTP/1.1\r\n");
    for (int i = 0; i < n; i++)
      len += (size_t)sprintf(buf + len, i == 0 ? "Host: a\r\n" : "X%d: y\r\n", i);
    sprintf(buf + len, "\r\n");
    int r = parse(buf, &req);
    if (n == HTTP_MAX_HEADERS)
      cr_assert_gt(r, 0, "%d headers are allowed", n);
    else
      cr_assert_eq(r, -431, "%d headers are too many", n);
  }
}
