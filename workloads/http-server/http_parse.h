/* An HTTP/1.1 request-head parser (RFC 9112), incremental and allocation-free.
 *
 * Call it on the bytes received so far, from the start of a request: it either needs more,
 * returns the parsed head, or rejects the request with the status to answer. Invalid bytes are
 * rejected as soon as they arrive, so binary garbage gets its 400 without waiting for a line
 * end. Lines must end in CRLF (a bare LF or CR is a 400), as RFC 9112 allows a server to
 * require. */
#ifndef HTTP_PARSE_H
#define HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The request line and all header lines together, CRLFs included; past it: 431 (or 414 while
 * still in the request target). */
#define HTTP_MAX_HEAD_BYTES 8192
/* Header fields per request; past it: 431. */
#define HTTP_MAX_HEADERS 100
/* Largest request body we skip over (we serve no request bodies); past it: 413. wasmaot serve
 * compiles this parser with its own (larger) bound and applies --max-body itself. */
#ifndef HTTP_MAX_BODY_BYTES
#define HTTP_MAX_BODY_BYTES (1u << 20)
#endif

struct http_request {
  const char *method; /* points into the caller's buffer */
  size_t method_len;
  const char *path; /* the request target up to '?' */
  size_t path_len;
  int minor_version; /* HTTP/1.0 or HTTP/1.1 (1.x is read as 1.1) */
  bool keep_alive;   /* by version default and the Connection header */
  uint64_t content_length;
  size_t head_bytes; /* length of the request head, through the empty line */
};

enum { HTTP_NEED_MORE = 0 };

/* Parses the head of the request starting at buf[0]. Returns HTTP_NEED_MORE, or a positive
 * head length (also in req->head_bytes) when the head is complete, or the negative HTTP status
 * to answer when the request is malformed (-400, -413, -414, -431, -501, -505). */
int http_parse_request(const char *buf, size_t len, struct http_request *req);

#endif
