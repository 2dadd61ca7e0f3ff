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

/* The "Date: ...\r\n" line, rebuilt at most once a second. */
struct date_cache {
  time_t second;
  char line[64];
  size_t len;
};

void date_cache_update(struct date_cache *d, time_t now);

/* Appends the response to a well-formed request: GET/HEAD / -> "hello", GET/HEAD /state ->
 * the counter after incrementing it, anything else 404. False when out of memory. */
bool respond_to_request(struct out_buf *out, const struct http_request *req,
                        const struct date_cache *date, uint64_t *state_counter);

/* Appends the answer to a rejected request (status 400, 413, 414, 431, 501 or 505), which
 * always closes the connection. False when out of memory. */
bool respond_error(struct out_buf *out, int status, const struct date_cache *date);

void out_buf_free(struct out_buf *out);

#endif
