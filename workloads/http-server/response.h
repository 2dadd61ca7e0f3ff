/* Routing and response formatting: what the server answers, as bytes. */
#ifndef HTTP_RESPONSE_H
#define HTTP_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "http_parse.h"

/* A growable output buffer; `sent` bytes of it are already on the wire. */
struct out_buf {
  char *data;
  size_t len, sent, cap;
};

/* The start of the common responses, up to the Content-Length value, rebuilt at most once a
 * second (when the Date changes): most responses then cost one copy of a cached head. */
struct header_cache {
  time_t second;
  char date[64]; /* "Date: ...\r\n" */
  size_t date_len;
  char ok[192], not_found[192]; /* "HTTP/1.1 200 OK\r\nDate: ...Content-Length: " */
  size_t ok_len, not_found_len;
};

void header_cache_update(struct header_cache *h, time_t now);

/* Appends the response to a well-formed request: GET/HEAD / -> "hello", GET/HEAD /state ->
 * the counter after incrementing it, anything else 404. False when out of memory. */
bool respond_to_request(struct out_buf *out, const struct http_request *req,
                        const struct header_cache *heads, uint64_t *state_counter);

/* Appends the answer to a rejected request (status 400, 413, 414, 431, 501 or 505), which
 * always closes the connection. False when out of memory. */
bool respond_error(struct out_buf *out, int status, const struct header_cache *heads);

void out_buf_free(struct out_buf *out);

#endif
