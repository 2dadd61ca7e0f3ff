/* http-server: a small HTTP/1.1 server, one C source for the native and the wasm build.
 *
 *   http-server [--listen HOST:PORT] [--max-connections N] [--idle-timeout SECONDS]
 *
 * GET / answers "hello"; GET /state answers a counter incremented by every such request;
 * anything else is 404. Keep-alive and pipelining; see server.c and http_parse.c.
 *
 * Where the listening socket comes from:
 *   - native, with --listen: the server binds it ("[::1]:8080", "127.0.0.1:0" = any port;
 *     the address is printed on stderr);
 *   - otherwise (always in the wasm build, which cannot bind: WASI preview1 has no bind/listen):
 *     the first stream socket among the inherited descriptors 3..63, which is where WASI
 *     runtimes put theirs (`wasmaot run --listen`, `wazero run -listen`, `wasmtime run -S
 *     tcplisten`, after any preopened directories), and where systemd puts a native one.
 * SIGTERM or SIGINT (native) stops it cleanly: every connection closed, everything freed. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server.h"

#ifndef __wasi__
#include <netdb.h>
#include <signal.h>
#include <sys/resource.h>
#endif

enum { DEFAULT_MAX_CONNECTIONS = 4000, DEFAULT_IDLE_TIMEOUT_S = 60, LAST_PROBED_FD = 63 };

static volatile stop_flag_t stop_requested;

static int usage(const char *why) {
  fprintf(stderr,
          "http-server: %s\n"
          "usage: http-server [--listen HOST:PORT] [--max-connections N] "
          "[--idle-timeout SECONDS]\n",
          why);
  return 2;
}

/* The first inherited stream socket: how a WASI guest finds the runtime's listener. */
static int find_inherited_listener(void) {
  for (int fd = 3; fd <= LAST_PROBED_FD; fd++) {
    int type = 0;
    socklen_t len = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM)
      return fd;
  }
  return -1;
}

#ifndef __wasi__
static void on_stop_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

/* SIGTERM/SIGINT set a flag; they stay blocked except while the loop waits (server.h). */
static void install_stop_handlers(void) {
  struct sigaction sa = {.sa_handler = on_stop_signal};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  sigprocmask(SIG_BLOCK, &block, NULL);
}

/* Lets the server hold as many connections as the hard limit on open files allows. */
static int raise_open_file_limit(int wanted) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return wanted;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  rlim_t room = rl.rlim_cur > 32 ? rl.rlim_cur - 32 : 1; /* stdio, listener, spares */
  return rl.rlim_cur != RLIM_INFINITY && (rlim_t)wanted > room ? (int)room : wanted;
}

static int bind_listener(const char *spec) {
  char *copy = strdup(spec), *host = copy, *port;
  if (!copy)
    return -1;
  if (host[0] == '[') {
    char *close_bracket = strchr(host, ']');
    port = close_bracket && close_bracket[1] == ':' ? close_bracket + 2 : NULL;
    host++;
    if (close_bracket)
      *close_bracket = 0;
  } else {
    port = strrchr(host, ':');
    if (port)
      *port++ = 0;
  }
  int fd = -1;
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
  struct addrinfo *list = NULL;
  int gai = port && *port ? getaddrinfo(*host ? host : NULL, port, &hints, &list) : EAI_SERVICE;
  if (gai != 0) {
    fprintf(stderr, "http-server: --listen %s: %s\n", spec,
            port && *port ? gai_strerror(gai) : "expected HOST:PORT");
    free(copy);
    return -1;
  }
  int err = 0;
  for (struct addrinfo *a = list; a && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    int one = 1;
    if (fd >= 0 && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
                    bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, 4096) != 0)) {
      err = errno;
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(list);
  free(copy);
  if (fd < 0) {
    fprintf(stderr, "http-server: --listen %s: %s\n", spec, strerror(err));
    return -1;
  }
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  char h[NI_MAXHOST], p[NI_MAXSERV];
  if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
      getnameinfo((struct sockaddr *)&ss, len, h, sizeof h, p, sizeof p,
                  NI_NUMERICHOST | NI_NUMERICSERV) == 0)
    fprintf(stderr,
            ss.ss_family == AF_INET6 ? "http-server: listening on [%s]:%s\n"
                                     : "http-server: listening on %s:%s\n",
            h, p);
  return fd;
}
#endif

/* A positive decimal int, or -1. */
static int parse_positive(const char *s) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  return errno || *end || end == s || v <= 0 || v > 1000000 ? -1 : (int)v;
}

int main(int argc, char **argv) {
  const char *listen_spec = NULL;
  int max_connections = DEFAULT_MAX_CONNECTIONS, idle_timeout_s = DEFAULT_IDLE_TIMEOUT_S;
  for (int i = 1; i < argc; i += 2) {
    const char *value = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(argv[i], "--listen") == 0 && value) {
      listen_spec = value;
    } else if (strcmp(argv[i], "--max-connections") == 0 && value) {
      if ((max_connections = parse_positive(value)) < 0)
        return usage("--max-connections needs a positive number");
    } else if (strcmp(argv[i], "--idle-timeout") == 0 && value) {
      if ((idle_timeout_s = parse_positive(value)) < 0)
        return usage("--idle-timeout needs a positive number of seconds");
    } else {
      return usage(value || argv[i][0] != '-' ? "unknown argument" : "option needs a value");
    }
  }

  int listen_fd;
#ifdef __wasi__
  if (listen_spec)
    return usage("--listen belongs to the WASI runtime here (wasmaot run --listen, wazero "
                 "run -listen, wasmtime run -S tcplisten)");
  listen_fd = find_inherited_listener();
#else
  install_stop_handlers();
  max_connections = raise_open_file_limit(max_connections);
  listen_fd = listen_spec ? bind_listener(listen_spec) : find_inherited_listener();
  if (listen_spec && listen_fd < 0)
    return 1;
#endif
  if (listen_fd < 0) {
    fprintf(stderr, "http-server: no listening socket: pass --listen HOST:PORT (natively) or "
                    "run under a WASI runtime's --listen\n");
    return 1;
  }
  struct server_options opt = {listen_fd, max_connections, idle_timeout_s * 1000};
  int status = server_run(&opt, &stop_requested);
  close(listen_fd);
  return status;
}
