/* Worker supervision and the per-request deadline. See serve.h.
 *
 * The supervisor listens on HOST:PORT (port 0: any, printed), then forks the workers, which
 * share that one listening socket: each sets up its own instance and serves, single-threaded,
 * waiting on the socket with EPOLLEXCLUSIVE (one worker woken per connection). A worker that
 * dies (a crash, a request past its deadline) is started again. The supervisor reports
 * "listening" once every first worker is ready, and stops them all on SIGINT/SIGTERM.
 * (Per-worker SO_REUSEPORT listeners were tried first: a worker that ends takes the
 * connections queued on its own listener with it — reset — and with one worker the port
 * refuses connections until its successor listens. The shared queue loses nothing.)
 *
 * The deadline: a worker's interval timer (SIGALRM) fires a few times per --timeout; past the
 * deadline of the request running, the handler answers 504 on its connection and ends the
 * worker (the guest may be anywhere, even inside the runtime: there is nothing to unwind to
 * safely), or, in fork mode, kills the request's child (the worker answers 504 itself). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "serve.h"

/* ---- The deadline --------------------------------------------------------------------------- */

static volatile sig_atomic_t g_armed;
static volatile int g_client_fd;
static volatile int64_t g_deadline_ns;
static int64_t g_timeout_ns;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void serve_deadline_arm(int client_fd) {
  g_client_fd = client_fd;
  g_deadline_ns = now_ns() + g_timeout_ns;
  g_armed = 1;
}

void serve_deadline_disarm(void) {
  g_armed = 0;
}

static void deadline_tick(int sig) {
  (void)sig;
  if (!g_armed || now_ns() < g_deadline_ns)
    return;
  if (serve_engine_child > 0) {
    kill(serve_engine_child, SIGKILL);
    return;
  }
  static const char response[] = "HTTP/1.1 504 Gateway Timeout\r\nContent-Type: text/plain\r\n"
                                 "Content-Length: 16\r\nConnection: close\r\n\r\nGateway Timeout\n";
  static const char line[] =
      "wasmaot serve: a request ran past --timeout: 504; the worker restarts\n";
  ssize_t ignored = send(g_client_fd, response, sizeof response - 1, MSG_NOSIGNAL);
  ignored = write(STDERR_FILENO, line, sizeof line - 1);
  (void)ignored;
  _exit(3);
}

static int deadline_install(double timeout_s) {
  g_timeout_ns = (int64_t)(timeout_s * 1e9);
  /* Checked 8 times per timeout, at most every 250 ms, at least every 5 ms. */
  int64_t tick_us = (int64_t)(timeout_s * 1e6 / 8);
  if (tick_us > 250000)
    tick_us = 250000;
  if (tick_us < 5000)
    tick_us = 5000;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = deadline_tick;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  struct itimerval it = {{0, tick_us}, {0, tick_us}};
  if (sigaction(SIGALRM, &sa, NULL) != 0 || setitimer(ITIMER_REAL, &it, NULL) != 0)
    return -1;
  return 0;
}

/* ---- Sockets -------------------------------------------------------------------------------- */

static int listen_socket(const struct addrinfo *ai) {
  /* Non-blocking: the workers accept from an epoll loop. */
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
  if (fd < 0)
    return -1;
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 4096) != 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

/* ---- Supervision ---------------------------------------------------------------------------- */

static volatile sig_atomic_t g_stop;

static void on_stop(int sig) {
  (void)sig;
  g_stop = 1;
}

struct worker_args {
  const struct serve_config *cfg;
  struct addrinfo *ai;
  serve_worker_setup setup;
  void *arg;
  int listener;
  int ready_fd; /* the write end: one byte when ready, closed after */
};

WASM_RT_NO_RETURN static void worker_main(const struct worker_args *w) {
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  struct serve_engine *engine = w->setup(w->arg);
  if (!engine)
    _exit(2);
  if (deadline_install(w->cfg->timeout_s) != 0) {
    fprintf(stderr, "wasmaot serve: cannot set the request timer\n");
    _exit(2);
  }
  if (w->ready_fd >= 0) {
    ssize_t ignored = write(w->ready_fd, "r", 1);
    (void)ignored;
    close(w->ready_fd);
  }
  serve_http_loop(w->listener, w->cfg, engine);
  _exit(0);
}

static pid_t spawn(const struct worker_args *w) {
  pid_t pid = fork();
  if (pid == 0)
    worker_main(w);
  return pid;
}

int serve_run(const struct serve_config *cfg, serve_worker_setup setup, void *arg) {
  struct addrinfo hints = {
      .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
  struct addrinfo *ai;
  int gai =
      getaddrinfo(cfg->listen_host[0] ? cfg->listen_host : NULL, cfg->listen_port, &hints, &ai);
  if (gai != 0) {
    fprintf(stderr, "wasmaot serve: --listen %s:%s: %s\n", cfg->listen_host, cfg->listen_port,
            gai_strerror(gai));
    return 2;
  }
  int listener = listen_socket(ai);
  if (listener < 0) {
    fprintf(stderr, "wasmaot serve: --listen %s:%s: %s\n", cfg->listen_host, cfg->listen_port,
            strerror(errno));
    freeaddrinfo(ai);
    return 2;
  }
  getsockname(listener, ai->ai_addr, &ai->ai_addrlen); /* port 0: the one we got */
  char host[NI_MAXHOST], port[NI_MAXSERV];
  getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, port, sizeof port,
              NI_NUMERICHOST | NI_NUMERICSERV);

  long n = cfg->workers > 0 ? cfg->workers : sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1)
    n = 1;
  pid_t *pids = calloc((size_t)n, sizeof *pids);
  int ready[2];
  if (!pids || pipe2(ready, O_CLOEXEC) != 0) {
    fprintf(stderr, "wasmaot serve: out of resources\n");
    return 2;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  struct worker_args w = {cfg, ai, setup, arg, listener, ready[1]};
  for (long i = 0; i < n; i++)
    pids[i] = spawn(&w);
  close(ready[1]);
  w.ready_fd = -1;
  long got = 0;
  char b;
  while (got < n) {
    ssize_t r = read(ready[0], &b, 1);
    if (r == 1)
      got++;
    else if (r == 0 || errno != EINTR)
      break; /* every worker has closed its end: one died before it was ready */
  }
  close(ready[0]);
  int rc = 0;
  if (got < n) {
    fprintf(stderr, "wasmaot serve: a worker failed to start\n");
    g_stop = 1;
    rc = 1;
  } else {
    fprintf(stderr, "wasmaot serve: listening on %s%s%s:%s (%ld workers, isolation %s)\n",
            strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", port, n,
            serve_isolation_name(cfg->isolation));
  }
  while (!g_stop) {
    int status;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0)
      continue; /* EINTR: a stop signal, checked above */
    for (long i = 0; i < n; i++) {
      if (pids[i] != pid)
        continue;
      if (WIFSIGNALED(status))
        fprintf(stderr, "wasmaot serve: worker %d died of signal %d; starting another\n", pid,
                WTERMSIG(status));
      else if (WEXITSTATUS(status) != 3) /* 3: it said why itself */
        fprintf(stderr, "wasmaot serve: worker %d exited with status %d; starting another\n", pid,
                WEXITSTATUS(status));
      if (!g_stop) {
        struct timespec pause = {0, 10 * 1000 * 1000}; /* no busy loop on a worker that dies */
        nanosleep(&pause, NULL);
        pids[i] = spawn(&w);
      }
    }
  }
  for (long i = 0; i < n; i++)
    if (pids[i] > 0)
      kill(pids[i], SIGTERM);
  for (long i = 0; i < n; i++)
    if (pids[i] > 0)
      while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
        ;
  close(listener);
  freeaddrinfo(ai);
  free(pids);
  return rc;
}
