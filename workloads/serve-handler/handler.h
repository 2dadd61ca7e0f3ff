/* The serve benchmark's handler: a whole HTTP/1.1 request in, a whole HTTP/1.1 response out,
 * both byte strings in memory (the seed's Spin-style rows: no WASI at all on the way). */
#ifndef SERVE_HANDLER_H
#define SERVE_HANDLER_H

#include <stddef.h>

/* The largest request the handler accepts and the room its response needs. */
#define SERVE_MAX_REQUEST 8192
#define SERVE_MAX_RESPONSE 8192

/* Parses the request (request line, headers up to the blank line, a body of exactly
 * Content-Length bytes), checks it (check.h) and writes the response to resp (cap bytes, at
 * least SERVE_MAX_RESPONSE): "HTTP/1.1 200 OK" with the answer as body, or "HTTP/1.1 400 Bad
 * Request" with the reason. Returns the response's length, or -1 only if cap is too small. */
long serve_handle_http(const char *req, size_t len, char *resp, size_t cap);

#endif
