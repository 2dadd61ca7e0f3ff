/* wasmaot serve: the host that runs a WASI command module once per HTTP request, CGI-style
 * (WAGI), in a pristine instance each time. Installed as include/wasmaot-serve.h.
 *
 * The pieces, one file each:
 *   serve_main.c  the per-module main (compiled against the module's wasm2c header, as
 *                 host_main.c is): options, the WASI context, and the guest's entry points
 *                 as a struct serve_guest for the rest, which is compiled once
 *                 (libwasmaot-serve.a) and never sees the module's types;
 *   instance.c    one request in a pristine instance: run `_start` with traps and proc_exit
 *                 unwinding, then restore (reset), or a new instance (fresh), or a fork (fork);
 *   cgi.c         RFC 3875 / WAGI: the request as environment variables, the guest's stdout
 *                 as an HTTP response;
 *   http_loop.c   one worker's event loop: connections, request heads (workloads/http-server's
 *                 parser), bodies, responses, deadlines;
 *   workers.c     the listening socket (shared by the workers), prefork, respawn, the timeout
 *                 timer. */
#ifndef WASMAOT_SERVE_H
#define WASMAOT_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasmaot-runtime.h"

/* ---- The guest, as the per-module main hands it over ---------------------------------- */

struct serve_guest {
  void *instance; /* the module's w2c_guest, at a fixed address */
  size_t instance_size;
  wasm_rt_memory_t *memory; /* its exported "memory" (the WASI context's) */
  void (*instantiate)(void *instance, wasi_ctx *ctx);
  void (*start)(void *instance); /* _start */
  void (*free_instance)(void *instance);
};

enum serve_isolation { ISOLATION_RESET, ISOLATION_FRESH, ISOLATION_FORK };
/* "reset", "fresh", "fork" -> 0 and *out, else -1. */
int serve_isolation_parse(const char *s, enum serve_isolation *out);
const char *serve_isolation_name(enum serve_isolation i);

/* ---- instance.c: one request in a pristine instance ----------------------------------- */

/* The longest response (CGI output) a request may write; past it, the request gets a 502. */
#define SERVE_MAX_RESPONSE (16u << 20)

struct serve_outcome {
  const uint8_t *out; /* the guest's stdout */
  size_t out_len;
  bool overflowed; /* stdout went past SERVE_MAX_RESPONSE */
  bool trapped;    /* trap_reason says which */
  const char *trap_reason;
  bool timed_out;     /* fork: the child was killed at the deadline */
  bool crashed;       /* fork: the child died otherwise */
  uint32_t exit_code; /* proc_exit's code; 0 when _start returned */
};

struct serve_engine;
/* Instantiates the guest once (ctx: stdio, preopens and environment already set up) and
 * takes the pristine snapshot. NULL with one line on stderr on failure. */
struct serve_engine *serve_engine_new(const struct serve_guest *g, wasi_ctx *ctx,
                                      enum serve_isolation isolation);
/* Runs one request: the guest reads `body` on stdin and sees the environment envp, then the
 * instance is pristine again. The outcome's buffers live until the next call. 0, or -1 when
 * the instance cannot be made pristine again (the worker must stop). */
int serve_engine_run(struct serve_engine *e, const uint8_t *body, size_t body_len, uint32_t envc,
                     char **envp, struct serve_outcome *out);
void serve_engine_free(struct serve_engine *e);
/* Pages of memory the reset mode copies back per request (its "hot" set), for -v. */
size_t serve_engine_hot_pages(const struct serve_engine *e);
/* Fork mode: the child running the current request, or 0 (the timeout timer kills it). */
extern volatile int serve_engine_child;

/* ---- cgi.c ---------------------------------------------------------------------------- */

struct serve_config; /* below */

/* One parsed request, pointing into the connection's buffer. */
struct cgi_request {
  const char *head; /* the request head as received (validated by http_parse) */
  size_t head_len;
  const char *method, *target;
  size_t method_len, target_len;
  int minor_version;
  size_t body_len;
  const char *remote_addr; /* numeric */
  const char *server_port;
};

/* The environment of one request: the configured variables, then the CGI ones. */
struct cgi_env {
  char *buf;
  size_t len, cap;
  char **vars;
  uint32_t count, vars_cap;
};
/* Fills env for req. 0, or the HTTP status to answer instead (400: a path that decodes to a NUL
 * byte; 500: out of memory). */
int cgi_env_build(struct cgi_env *env, const struct serve_config *cfg,
                  const struct cgi_request *req);
void cgi_env_free(struct cgi_env *env);

/* A response to send: the whole HTTP/1.1 message. */
struct http_response {
  char *buf;
  size_t len, cap;
};
/* The guest's CGI output -> HTTP response (keep_alive decides the Connection header; HEAD
 * requests get no body). Returns the status sent; a malformed CGI header block becomes a 502,
 * logged with `why`. -1 when out of memory. */
int cgi_response(struct http_response *r, const uint8_t *out, size_t out_len, bool keep_alive,
                 bool head_only, const char **why);
/* A response of our own (400, 413, 500, 502, 504...) with a one-line text body. -1 if OOM. */
int http_error_response(struct http_response *r, int status, bool keep_alive);
const char *http_reason(int status);

/* ---- The server ----------------------------------------------------------------------- */

struct serve_config {
  const char *listen_host, *listen_port; /* from --listen HOST:PORT */
  int workers;                           /* 0: one per online CPU */
  double timeout_s;                      /* per request (and per slow client), > 0 */
  uint64_t max_body;
  enum serve_isolation isolation;
  int verbose;
  uint32_t envc; /* --env / --inherit-env: given to every request first */
  char **envp;
  const char *server_software; /* "wasmaot" */
};

/* workers.c: binds, forks the workers, supervises them until SIGINT/SIGTERM. Each worker calls
 * back `setup` to build its WASI context and engine. Returns the exit status for main. */
typedef struct serve_engine *(*serve_worker_setup)(void *arg);
int serve_run(const struct serve_config *cfg, serve_worker_setup setup, void *arg);

/* http_loop.c: one worker's loop on listener `fd` until the process ends. */
void serve_http_loop(int fd, const struct serve_config *cfg, struct serve_engine *engine);

/* workers.c: the per-request deadline. Armed by the loop around each guest run: past it, the
 * timer answers 504 on `client_fd` and ends the worker (reset, fresh) or kills the child (fork). */
void serve_deadline_arm(int client_fd);
void serve_deadline_disarm(void);

#endif
