/* One worker's event loop. See serve.h.
 *
 * Single-threaded, epoll, level-triggered. Each connection reads a request head (parsed by
 * workloads/http-server/http_parse.c, compiled into this library), then its body
 * (Content-Length, at most --max-body), runs the guest once for it, and writes the response;
 * pipelined requests are answered in order, one at a time, and reading stops while a response
 * waits for the socket (backpressure). A request must arrive whole within --timeout of its
 * first byte, and an idle keep-alive connection is closed after --timeout: a slow or silent
 * client holds one connection slot, never the worker. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http_parse.h"
#include "serve.h"

enum {
  MAX_EVENTS = 256,
  ACCEPT_BATCH = 8, /* per wake-up: the other workers take the rest */
  SWEEP_MS = 100,   /* how often deadlines are checked */
  MAX_CONNS = 16384,
};

struct conn {
  int fd;
  char *in;
  size_t in_len, in_cap;
  struct http_response out;
  size_t out_sent;
  bool close_after; /* close once `out` is written */
  bool sent_continue;
  int64_t deadline_ms;
  char remote[INET6_ADDRSTRLEN];
};

struct loop {
  int epfd;
  const struct serve_config *cfg;
  struct serve_engine *engine;
  struct conn **conns; /* by fd */
  int nconns, max_fd;
  char port[16];
  struct cgi_env env;
  int64_t timeout_ms;
};

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void conn_close(struct loop *l, struct conn *c) {
  epoll_ctl(l->epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  l->conns[c->fd] = NULL;
  l->nconns--;
  free(c->in);
  free(c->out.buf);
  free(c);
}

static void watch(struct loop *l, struct conn *c, uint32_t events) {
  struct epoll_event ev = {.events = events, .data.fd = c->fd};
  epoll_ctl(l->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Writes what is pending. false when the connection is gone. */
static bool flush(struct loop *l, struct conn *c) {
  while (c->out_sent < c->out.len) {
    ssize_t n = send(c->fd, c->out.buf + c->out_sent, c->out.len - c->out_sent, MSG_NOSIGNAL);
    if (n > 0) {
      c->out_sent += (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      watch(l, c, EPOLLOUT);
      return true;
    }
    conn_close(l, c); /* reset by the client, or an error */
    return false;
  }
  c->out.len = c->out_sent = 0;
  if (c->close_after) {
    shutdown(c->fd, SHUT_WR);
    conn_close(l, c);
    return false;
  }
  watch(l, c, EPOLLIN | EPOLLRDHUP);
  return true;
}

static void log_request(const struct loop *l, const struct http_request *req, int status,
                        const char *why) {
  (void)l;
  fprintf(stderr, "wasmaot serve: %.*s %.*s: %d %s%s%s\n", (int)req->method_len, req->method,
          (int)req->path_len, req->path, status, http_reason(status), why ? ": " : "",
          why ? why : "");
}

/* Runs the guest for a complete request and puts its response in c->out. */
static void answer(struct loop *l, struct conn *c, const struct http_request *req, int head_len) {
  struct cgi_request creq = {
      .head = c->in,
      .head_len = (size_t)head_len,
      .method = req->method,
      .method_len = req->method_len,
      .minor_version = req->minor_version,
      .body_len = (size_t)req->content_length,
      .remote_addr = c->remote,
      .server_port = l->port,
  };
  /* The whole request target: from the path to the space before the version. */
  creq.target = req->path;
  const char *sp = memchr(req->path, ' ', (size_t)head_len - (size_t)(req->path - c->in));
  creq.target_len = sp ? (size_t)(sp - req->path) : req->path_len;
  bool keep_alive = req->keep_alive;
  bool head_only = req->method_len == 4 && memcmp(req->method, "HEAD", 4) == 0;
  int status = cgi_env_build(&l->env, l->cfg, &creq);
  const char *why = NULL;
  if (status != 0) {
    why = status == 400 ? "the path decodes to a NUL byte" : "out of memory";
    status = http_error_response(&c->out, status, keep_alive);
    log_request(l, req, status, why);
    return;
  }
  struct serve_outcome o;
  serve_deadline_arm(c->fd);
  int rc = serve_engine_run(l->engine, (const uint8_t *)c->in + head_len,
                            (size_t)req->content_length, l->env.count, l->env.vars, &o);
  serve_deadline_disarm();
  if (rc != 0) {
    /* The instance could not be made pristine: answer, then let the supervisor start anew. */
    http_error_response(&c->out, 500, false);
    c->close_after = true;
    flush(l, c);
    fprintf(stderr, "wasmaot serve: cannot reset the instance; worker restarts\n");
    _exit(3);
  }
  char reason[160];
  if (o.timed_out) {
    status = http_error_response(&c->out, 504, keep_alive);
    why = "the request ran past --timeout";
  } else if (o.crashed) {
    status = http_error_response(&c->out, 500, keep_alive);
    why = "the request's process crashed";
  } else if (o.trapped) {
    status = http_error_response(&c->out, 500, keep_alive);
    snprintf(reason, sizeof reason, "wasm trap: %s", o.trap_reason);
    why = reason;
  } else if (o.exit_code != 0) {
    status = http_error_response(&c->out, 500, keep_alive);
    snprintf(reason, sizeof reason, "the guest exited with status %u", o.exit_code);
    why = reason;
  } else if (o.overflowed) {
    status = http_error_response(&c->out, 502, keep_alive);
    why = "the response is larger than the server takes";
  } else {
    status = cgi_response(&c->out, o.out, o.out_len, keep_alive, head_only, &why);
  }
  if (status < 0) {
    c->close_after = true;
    http_error_response(&c->out, 500, false);
    return;
  }
  if (why || l->cfg->verbose)
    log_request(l, req, status, why);
  if (!keep_alive)
    c->close_after = true;
}

/* Answers every complete request in c->in, in order, until output is pending. false when the
 * connection is gone. */
static bool process(struct loop *l, struct conn *c) {
  while (c->in_len > 0 && c->out.len == 0) {
    struct http_request req;
    int r = http_parse_request(c->in, c->in_len, &req);
    if (r == HTTP_NEED_MORE)
      return true;
    if (r < 0) {
      http_error_response(&c->out, -r, false);
      c->close_after = true;
      fprintf(stderr, "wasmaot serve: a bad request from %s: %d %s\n", c->remote, -r,
              http_reason(-r));
      return flush(l, c);
    }
    if (req.content_length > l->cfg->max_body) {
      http_error_response(&c->out, 413, false);
      c->close_after = true;
      log_request(l, &req, 413, "the body is larger than --max-body");
      return flush(l, c);
    }
    size_t whole = (size_t)r + (size_t)req.content_length;
    if (c->in_len < whole) {
      if (!c->sent_continue && memmem(c->in, (size_t)r, "\r\nExpect: 100-continue", 22)) {
        c->sent_continue = true;
        send(c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25, MSG_NOSIGNAL);
      }
      return true;
    }
    answer(l, c, &req, r);
    c->sent_continue = false;
    memmove(c->in, c->in + whole, c->in_len - whole);
    c->in_len -= whole;
    c->deadline_ms = now_ms() + l->timeout_ms;
    if (!flush(l, c))
      return false;
  }
  return true;
}

static void on_readable(struct loop *l, struct conn *c) {
  if (c->out.len > 0) /* a response is waiting for the socket: read nothing more now */
    return;
  size_t limit = HTTP_MAX_HEAD_BYTES + (size_t)l->cfg->max_body + 1;
  if (c->in_cap - c->in_len < 4096 && c->in_cap < limit) {
    size_t cap = c->in_cap ? c->in_cap * 2 : 16384;
    if (cap > limit)
      cap = limit;
    char *b = realloc(c->in, cap);
    if (!b) {
      conn_close(l, c);
      return;
    }
    c->in = b;
    c->in_cap = cap;
  }
  if (c->in_len == c->in_cap) { /* cannot happen: the parser or the body limit stops first */
    conn_close(l, c);
    return;
  }
  ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n <= 0) {
    conn_close(l, c);
    return;
  }
  if (c->in_len == 0)
    c->deadline_ms = now_ms() + l->timeout_ms; /* a new request's first bytes */
  c->in_len += (size_t)n;
  process(l, c);
}

static void accept_some(struct loop *l, int listener) {
  for (int i = 0; i < ACCEPT_BATCH; i++) {
    struct sockaddr_storage sa;
    socklen_t len = sizeof sa;
    int fd = accept4(listener, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
      return; /* EAGAIN, or EMFILE: the next round tries again */
    if (fd > l->max_fd || l->nconns >= MAX_CONNS) {
      close(fd);
      continue;
    }
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
      close(fd);
      continue;
    }
    c->fd = fd;
    c->deadline_ms = now_ms() + l->timeout_ms;
    if (sa.ss_family == AF_INET)
      inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, c->remote, sizeof c->remote);
    else if (sa.ss_family == AF_INET6)
      inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, c->remote, sizeof c->remote);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = fd};
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
      close(fd);
      free(c);
      continue;
    }
    l->conns[fd] = c;
    l->nconns++;
  }
}

/* Connections past their deadline: a request still arriving gets a 408, an idle one is closed. */
static void sweep(struct loop *l, int64_t now) {
  for (int fd = 0; fd <= l->max_fd; fd++) {
    struct conn *c = l->conns[fd];
    if (!c || c->deadline_ms > now)
      continue;
    if (c->in_len > 0 && c->out.len == 0) {
      http_error_response(&c->out, 408, false);
      c->close_after = true;
      fprintf(stderr, "wasmaot serve: %s sent no whole request within --timeout: 408\n", c->remote);
      flush(l, c);
    } else {
      conn_close(l, c);
    }
  }
}

void serve_http_loop(int listener, const struct serve_config *cfg, struct serve_engine *engine) {
  struct loop l = {.cfg = cfg, .engine = engine};
  l.timeout_ms = (int64_t)(cfg->timeout_s * 1000);
  struct rlimit rl;
  l.max_fd = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 1u << 20 ? (int)rl.rlim_cur - 1
                                                                          : (1 << 20) - 1;
  l.conns = calloc((size_t)l.max_fd + 1, sizeof *l.conns);
  l.epfd = epoll_create1(EPOLL_CLOEXEC);
  struct sockaddr_storage sa;
  socklen_t len = sizeof sa;
  getsockname(listener, (struct sockaddr *)&sa, &len);
  snprintf(l.port, sizeof l.port, "%u",
           ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
                                          : ((struct sockaddr_in *)&sa)->sin_port));
  /* The listener is shared by every worker: wake one of them per connection. */
  struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = -1};
  if (!l.conns || l.epfd < 0 || epoll_ctl(l.epfd, EPOLL_CTL_ADD, listener, &ev) != 0) {
    fprintf(stderr, "wasmaot serve: cannot start the worker's loop\n");
    _exit(2);
  }
  struct epoll_event events[MAX_EVENTS];
  int64_t next_sweep = now_ms() + SWEEP_MS;
  for (;;) {
    int n = epoll_wait(l.epfd, events, MAX_EVENTS, SWEEP_MS);
    for (int i = 0; i < n; i++) {
      if (events[i].data.fd == -1) {
        accept_some(&l, listener);
        continue;
      }
      struct conn *c = l.conns[events[i].data.fd];
      if (!c)
        continue;
      if (events[i].events & EPOLLOUT) {
        if (flush(&l, c) && c->in_len > 0)
          process(&l, c);
      } else if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        on_readable(&l, c);
      }
    }
    int64_t now = now_ms();
    if (now >= next_sweep) {
      sweep(&l, now);
      next_sweep = now + SWEEP_MS;
    }
  }
}
