/* serve-handler: the serve benchmark's handler-export guest, a WASI reactor (the seed's
 * Spin-style rows). Request and response live in linear memory, no WASI call on the way:
 *   request_buffer() -> i32    where the host writes the request (SERVE_MAX_REQUEST bytes)
 *   response_buffer() -> i32   where handle() leaves the response (SERVE_MAX_RESPONSE bytes)
 *   handle(req_ptr, req_len) -> i32   handles the raw HTTP/1.1 request at req_ptr, returns the
 *                                     response's length (-1 if req_len is out of range)
 * plus the reactor's _initialize (call once after instantiation) and a _start that does
 * nothing, so tools that insist on a WASI command (`wasmaot build`, compile-guest's users)
 * accept the module. */
#include "handler.h"

static char request[SERVE_MAX_REQUEST];
static char response[SERVE_MAX_RESPONSE];

__attribute__((export_name("request_buffer"))) char *request_buffer(void) {
  return request;
}

__attribute__((export_name("response_buffer"))) char *response_buffer(void) {
  return response;
}

__attribute__((export_name("handle"))) int handle(const char *req, int len) {
  if (len < 0 || len > SERVE_MAX_REQUEST)
    return -1;
  return (int)serve_handle_http(req, (size_t)len, response, sizeof response);
}

__attribute__((export_name("_start"))) void start(void) {}
