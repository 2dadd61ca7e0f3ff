/* The event loop. See server.h.
 *
 * Each connection is a small state machine:
 *   READING    reads requests, answers every complete one in order (pipelining), writes;
 *              while output is pending it waits for POLLOUT only (backpressure)
 *   CLOSING    a response that ends the connection is being written
 *   LINGERING  written and shut down for writing; reads and discards what the client still
 *              sends until it closes or LINGER_MS pass, so the kernel does not reset the
 *              connection (and lose our last response) over unread bytes.
 * Every connection has a deadline (idle timeout, or the end of lingering); the nearest one is
 * poll()'s timeout, capped at MAX_WAIT_MS.
 *
 * Some WASI runtimes do not really poll sockets: wazero 1.x answers poll_oneoff on a
 * non-blocking socket with "ready" at once, and then waits out the whole timeout anyway (and,
 * with no clock subscription, forever). A loop that trusted it would hang or crawl. We notice
 * it — poll says ready, and the non-blocking accept/recv/send that follows does nothing — and
 * from then on wait at most UNRELIABLE_POLL_WAIT_MS per round. The first round waits 0 ms on a
 * fresh listener, where a correct poll reports nothing, so the check costs one call at start;
 * with the kernel's poll or a correct runtime it never triggers. */
#define _GNU_SOURCE
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http_parse.h"
#include "response.h"

#ifdef __wasi__
#define SEND_FLAGS 0 /* wasi-libc's send() takes no flags; WASI runtimes raise no SIGPIPE */
#else
#define SEND_FLAGS MSG_NOSIGNAL /* a peer that reset gives EPIPE, not a signal */
#endif

enum {
  IN_CAPACITY = 16384,         /* room for pipelined requests; one head is at most 8 KiB */
  OUT_HIGH_WATER = 256 * 1024, /* stop answering while this much output waits */
  LINGER_MS = 2000,            /* longest wait for the client to close after our close */
  ACCEPT_BATCH = 64,           /* connections accepted per wake-up, to stay fair */
  ACCEPT_BACKOFF_MS = 100,     /* pause after EMFILE/ENFILE instead of spinning */
  MAX_WAIT_MS = 1000,          /* longest single wait, so no runtime can keep us asleep */
  UNRELIABLE_POLL_WAIT_MS = 1, /* the wait once poll() has proved unreliable (see above) */
  SPURIOUS_ROUNDS_LIMIT = 8,   /* rounds in a row of "ready" with nothing to do */
};

enum conn_state { READING, CLOSING, LINGERING };

struct conn {
  int fd;
  enum conn_state state;
  int64_t deadline_ms;
  uint64_t body_left; /* bytes of a request body still to skip */
  struct out_buf out;
  size_t in_len;
  char in[IN_CAPACITY];
};

struct server {
  const struct server_options *opt;
  struct conn **conns;
  int nconns;
  struct pollfd *pollfds;
  int64_t now_ms;
  int64_t accept_paused_until_ms;
  struct header_cache heads;
  uint64_t state_counter;
  unsigned progress;   /* accepts, reads and writes that did something, this round */
  int spurious_rounds; /* rounds in a row where poll said ready and nothing was */
  bool poll_unreliable;
#ifndef __wasi__
  sigset_t wait_mask;
#endif
};

static int64_t monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void conn_close(struct server *s, int index) {
  struct conn *c = s->conns[index];
  close(c->fd);
  out_buf_free(&c->out);
  free(c);
  s->conns[index] = s->conns[--s->nconns];
}

/* Starts the orderly close once the last response is written. */
static void begin_linger(struct server *s, struct conn *c) {
  shutdown(c->fd, SHUT_WR);
  c->state = LINGERING;
  c->deadline_ms = s->now_ms + LINGER_MS;
}

/* Writes pending output. Returns false if the connection must be dropped. */
static bool flush(struct server *s, struct conn *c) {
  while (c->out.sent < c->out.len) {
    ssize_t n = send(c->fd, c->out.data + c->out.sent, c->out.len - c->out.sent, SEND_FLAGS);
    if (n > 0) {
      s->progress++;
      c->out.sent += (size_t)n;
      c->deadline_ms = s->now_ms + s->opt->idle_timeout_ms;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return true;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return false;
    }
  }
  c->out.len = c->out.sent = 0;
  if (c->state == CLOSING)
    begin_linger(s, c);
  return true;
}

/* Answers every complete request in the input buffer, in order, while output stays under the
 * high-water mark. Returns false when out of memory. */
static bool answer_requests(struct server *s, struct conn *c) {
  size_t pos = 0;
  bool ok = true;
  while (c->state == READING && c->out.len - c->out.sent < OUT_HIGH_WATER) {
    if (c->body_left) {
      size_t skip = c->in_len - pos < c->body_left ? c->in_len - pos : (size_t)c->body_left;
      pos += skip;
      c->body_left -= skip;
      if (c->body_left)
        break;
    }
    if (pos == c->in_len)
      break;
    struct http_request req;
    int r = http_parse_request(c->in + pos, c->in_len - pos, &req);
    if (r == HTTP_NEED_MORE)
      break;
    if (r < 0) {
      ok = respond_error(&c->out, -r, &s->heads);
      c->state = CLOSING;
      break;
    }
    ok = respond_to_request(&c->out, &req, &s->heads, &s->state_counter);
    if (!ok)
      break;
    pos += (size_t)r;
    c->body_left = req.content_length;
    if (!req.keep_alive)
      c->state = CLOSING;
  }
  memmove(c->in, c->in + pos, c->in_len - pos);
  c->in_len -= pos;
  return ok;
}

/* The connection is readable. Returns false if it must be dropped now. */
static bool on_readable(struct server *s, struct conn *c) {
  if (c->state == LINGERING) {
    char discard[4096];
    ssize_t n = recv(c->fd, discard, sizeof discard, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
      return true;
    s->progress++;
    return n > 0;
  }
  ssize_t n = recv(c->fd, c->in + c->in_len, IN_CAPACITY - c->in_len, 0);
  if (n < 0)
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  s->progress++;
  if (n == 0) {
    /* End of input: a half-sent request head gets its 400; otherwise we are done. */
    if (c->in_len == 0 || c->body_left)
      return false;
    c->state = CLOSING;
    return respond_error(&c->out, 400, &s->heads) && flush(s, c);
  }
  c->in_len += (size_t)n;
  c->deadline_ms = s->now_ms + s->opt->idle_timeout_ms;
  return answer_requests(s, c) && flush(s, c);
}

/* The connection is writable: write, then answer requests held back by backpressure. */
static bool on_writable(struct server *s, struct conn *c) {
  if (!flush(s, c))
    return false;
  if (c->state == READING && c->out.len == 0 && c->in_len > 0)
    return answer_requests(s, c) && flush(s, c);
  return true;
}

static void accept_connections(struct server *s) {
  for (int i = 0; i < ACCEPT_BATCH && s->nconns < s->opt->max_connections; i++) {
    struct sockaddr_storage addr; /* unused; wasi-libc's accept4 wants somewhere to write */
    socklen_t addr_len = sizeof addr;
    int fd = accept4(s->opt->listen_fd, (struct sockaddr *)&addr, &addr_len,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == ENOBUFS)
        s->accept_paused_until_ms = s->now_ms + ACCEPT_BACKOFF_MS;
      if (errno == ECONNABORTED || errno == EINTR)
        continue;
      return; /* EAGAIN: the backlog is empty */
    }
    s->progress++;
    struct conn *c = malloc(sizeof *c);
    if (!c) {
      close(fd);
      return;
    }
    c->fd = fd;
    c->state = READING;
    c->deadline_ms = s->now_ms + s->opt->idle_timeout_ms;
    c->body_left = 0;
    c->out = (struct out_buf){0};
    c->in_len = 0;
    s->conns[s->nconns++] = c;
  }
}

static int wait_for_events(struct server *s, nfds_t n, int timeout_ms) {
#ifdef __wasi__
  return poll(s->pollfds, n, timeout_ms);
#else
  struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000};
  return ppoll(s->pollfds, n, timeout_ms < 0 ? NULL : &ts, &s->wait_mask);
#endif
}

/* Fills pollfds (listener first, when accepting), drops connections past their deadline, and
 * returns the number of entries; *timeout_ms is the time to the nearest deadline. */
static nfds_t prepare_poll(struct server *s, int *first_conn, int *timeout_ms) {
  for (int i = s->nconns - 1; i >= 0; i--) /* descending: conn_close moves the last in */
    if (s->conns[i]->deadline_ms <= s->now_ms)
      conn_close(s, i);
  nfds_t n = 0;
  bool has_room = s->nconns < s->opt->max_connections;
  bool paused = s->now_ms < s->accept_paused_until_ms;
  if (has_room && !paused)
    s->pollfds[n++] = (struct pollfd){.fd = s->opt->listen_fd, .events = POLLIN};
  *first_conn = (int)n;
  int64_t nearest = has_room && paused ? s->accept_paused_until_ms : INT64_MAX;
  for (int i = 0; i < s->nconns; i++) {
    struct conn *c = s->conns[i];
    /* Never zero events: wasi-libc's poll() rejects such an entry with ENOSYS. */
    short events = c->out.len > c->out.sent ? POLLOUT : POLLIN;
    s->pollfds[n++] = (struct pollfd){.fd = c->fd, .events = events};
    if (c->deadline_ms < nearest)
      nearest = c->deadline_ms;
  }
  int64_t wait = nearest - s->now_ms,
          cap = s->poll_unreliable ? UNRELIABLE_POLL_WAIT_MS : MAX_WAIT_MS;
  *timeout_ms = (int)(wait < cap ? wait : cap);
  return n;
}

/* Counts a round in which poll() reported readiness and nothing could be done. */
static void note_spurious_round(struct server *s, bool first_round) {
  if (s->poll_unreliable)
    return;
  if (++s->spurious_rounds >= (first_round ? 1 : SPURIOUS_ROUNDS_LIMIT)) {
    s->poll_unreliable = true;
    fprintf(stderr,
            "http-server: poll() reports sockets ready that are not (a WASI runtime "
            "that does not poll sockets?); waiting at most %d ms per round\n",
            UNRELIABLE_POLL_WAIT_MS);
  }
}

static int serve(struct server *s, volatile stop_flag_t *stop) {
  for (bool first_round = true; !*stop; first_round = false) {
    s->now_ms = monotonic_ms();
    int first_conn, timeout_ms;
    nfds_t n = prepare_poll(s, &first_conn, &timeout_ms);
    if (first_round)
      timeout_ms = 0;
    int ready = wait_for_events(s, n, timeout_ms);
    if (ready < 0) {
      if (errno == EINTR)
        continue;
      fprintf(stderr, "http-server: poll: %s\n", strerror(errno));
      return 1;
    }
    s->now_ms = monotonic_ms();
    header_cache_update(&s->heads, time(NULL));
    /* Connections first, in descending order (conn_close moves the last one into the hole,
     * and the last one has been handled already); the accept appends after them. */
    for (int i = (int)n - 1; i >= first_conn; i--) {
      short revents = s->pollfds[i].revents;
      if (!revents)
        continue;
      struct conn *c = s->conns[i - first_conn];
      /* We asked for POLLOUT exactly when output is pending, else for POLLIN; whatever came
       * back (POLLERR and POLLHUP included), the write or read tells what happened. */
      bool keep = c->out.len > c->out.sent ? on_writable(s, c) : on_readable(s, c);
      if (!keep)
        conn_close(s, i - first_conn);
    }
    if (first_conn == 1 && s->pollfds[0].revents)
      accept_connections(s);
    if (ready > 0 && s->progress == 0)
      note_spurious_round(s, first_round);
    else if (s->progress > 0)
      s->spurious_rounds = 0;
    s->progress = 0;
  }
  return 0;
}

int server_run(const struct server_options *opt, volatile stop_flag_t *stop) {
  struct server s = {.opt = opt};
  int fl = fcntl(opt->listen_fd, F_GETFL);
  if (fl < 0 || fcntl(opt->listen_fd, F_SETFL, fl | O_NONBLOCK) != 0) {
    fprintf(stderr, "http-server: cannot make the listener non-blocking: %s\n", strerror(errno));
    return 1;
  }
#ifndef __wasi__
  sigprocmask(SIG_BLOCK, NULL, &s.wait_mask);
  sigdelset(&s.wait_mask, SIGTERM);
  sigdelset(&s.wait_mask, SIGINT);
#endif
  s.conns = calloc((size_t)opt->max_connections, sizeof *s.conns);
  s.pollfds = calloc((size_t)opt->max_connections + 1, sizeof *s.pollfds);
  int status = 1;
  if (!s.conns || !s.pollfds)
    fprintf(stderr, "http-server: out of memory\n");
  else
    status = serve(&s, stop);
  while (s.nconns > 0)
    conn_close(&s, s.nconns - 1);
  free(s.conns);
  free(s.pollfds);
  return status;
}
