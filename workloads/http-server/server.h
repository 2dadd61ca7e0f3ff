/* The HTTP server's event loop: one thread, one poll() over the listener and every
 * connection (WASI poll_oneoff in the wasm build). */
#ifndef HTTP_SERVER_H
#define HTTP_SERVER_H

/* Set from a signal handler natively; WASI has no signals, so nothing sets it there. */
#ifdef __wasi__
typedef int stop_flag_t;
#else
#include <signal.h>
typedef sig_atomic_t stop_flag_t;
#endif

struct server_options {
  int listen_fd;       /* a listening TCP socket; made non-blocking by server_run */
  int max_connections; /* beyond it the listener is not polled: the kernel backlog waits */
  int idle_timeout_ms; /* a connection silent this long is closed */
};

/* Serves until *stop becomes non-zero (set by a SIGTERM/SIGINT handler in the native build;
 * the caller blocks those two signals, and the loop unblocks them only while it waits, so a
 * stop request is never lost between the check and the wait). Closes every connection and
 * frees everything it allocated before returning. Returns 0, or 1 after printing why it could
 * not serve. */
int server_run(const struct server_options *opt, volatile stop_flag_t *stop);

#endif
