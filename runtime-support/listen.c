/* --listen HOST:PORT: a listening TCP socket made before the guest starts and handed to it as
 * the next guest fd after the preopens, the convention of wazero's -listen and wasmtime's
 * -S tcplisten. WASI preview1 has no bind/listen of its own, so this is how a guest serves. */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fd_table.h"
#include "wasi_impl.h"

/* Pending connections the kernel may queue before the guest accepts them; Linux caps it at
 * net.core.somaxconn. */
#ifndef WASMAOT_LISTEN_BACKLOG
#define WASMAOT_LISTEN_BACKLOG 4096
#endif

/* Splits "HOST:PORT", "[V6]:PORT" or ":PORT" (any address). Returns 0, or -1 with *why set. */
static int split_host_port(char *spec, char **host, char **port, const char **why) {
  char *colon;
  if (spec[0] == '[') {
    char *close = strchr(spec, ']');
    if (!close || close[1] != ':') {
      *why = "expected [IPV6]:PORT";
      return -1;
    }
    *close = 0;
    *host = spec + 1;
    colon = close + 1;
  } else {
    colon = strrchr(spec, ':');
    if (!colon) {
      *why = "expected HOST:PORT";
      return -1;
    }
    if (memchr(spec, ':', (size_t)(colon - spec))) {
      *why = "an IPv6 address needs brackets: [ADDRESS]:PORT";
      return -1;
    }
    *colon = 0;
    *host = spec[0] ? spec : NULL;
  }
  *port = colon + 1;
  size_t len = strlen(*port);
  if (len == 0 || len > 5 || strspn(*port, "0123456789") != len || atoi(*port) > 65535) {
    *why = "the port must be a number from 0 to 65535";
    return -1;
  }
  return 0;
}

/* A listening socket on the first address of `host` that binds, or -1 with errno set. */
static int bind_and_listen(const char *host, const char *port, const char **failed_step) {
  struct addrinfo hints = {
      .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
  struct addrinfo *list;
  int gai = getaddrinfo(host, port, &hints, &list);
  if (gai != 0) {
    *failed_step = gai_strerror(gai);
    errno = 0;
    return -1;
  }
  int fd = -1, saved = 0;
  for (struct addrinfo *a = list; a && fd < 0; a = a->ai_next) {
    /* CLOEXEC: the guest's sockets never leak into processes the host might start. */
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      *failed_step = "cannot create socket";
      saved = errno;
      continue;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0) {
      *failed_step = "cannot bind";
    } else if (listen(fd, WASMAOT_LISTEN_BACKLOG) != 0) {
      *failed_step = "cannot listen";
    } else {
      break;
    }
    saved = errno;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(list);
  errno = saved;
  return fd;
}

/* A server guest may hold thousands of connections: let the process open as many host fds as
 * the guest fd table allows (the soft limit is often 1,024; the hard one much higher). */
static void raise_open_file_limit(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return;
  rlim_t want = WASMAOT_MAX_FDS + 64;
  if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max)
    want = rl.rlim_max;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
    rl.rlim_cur = want;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

/* With port 0 the kernel picks the port, and the guest cannot ask which (preview1 has no
 * getsockname): tell the user on stderr. */
static void report_chosen_port(int fd, const char *spec) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  char host[NI_MAXHOST], port[NI_MAXSERV];
  if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0 ||
      getnameinfo((struct sockaddr *)&ss, len, host, sizeof host, port, sizeof port,
                  NI_NUMERICHOST | NI_NUMERICSERV) != 0)
    return;
  const char *fmt = ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s";
  fprintf(stderr, "wasmaot: --listen %s: listening on ", spec);
  fprintf(stderr, fmt, host, port);
  fputc('\n', stderr);
}

int wasi_ctx_listen(wasi_ctx *ctx, const char *host_port) {
  char *spec = strdup(host_port), *host, *port;
  const char *why = NULL;
  if (!spec) {
    fprintf(stderr, "wasmaot: out of memory\n");
    return -1;
  }
  if (split_host_port(spec, &host, &port, &why) != 0) {
    fprintf(stderr, "wasmaot: --listen %s: %s\n", host_port, why);
    free(spec);
    return -1;
  }
  int fd = bind_and_listen(host, port, &why);
  bool port_zero = atoi(port) == 0;
  free(spec);
  if (fd < 0) {
    if (errno)
      fprintf(stderr, "wasmaot: --listen %s: %s: %s\n", host_port, why, strerror(errno));
    else
      fprintf(stderr, "wasmaot: --listen %s: %s\n", host_port, why);
    return -1;
  }
  wasi_rights_t rights = fd_rights_for_filetype(WASI_FILETYPE_SOCKET_STREAM);
  wasi_fd_t got;
  if (fd_table_insert(ctx->fds, fd, WASI_FILETYPE_SOCKET_STREAM, rights, rights, &got)) {
    close(fd);
    fprintf(stderr, "wasmaot: --listen %s: too many descriptors\n", host_port);
    return -1;
  }
  raise_open_file_limit();
  if (port_zero)
    report_chosen_port(fd, host_port);
  return 0;
}
