/* The native rows of the serve microbenchmark: the handler's C code called directly
 * (native-call), the same call in a child forked per request (native-fork), and the CGI guest's
 * native build run as classic CGI, fork+exec per request (native-cgi-exec). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "serve_bench.h"
#include "../../workloads/serve-handler/handler.h"

static int check_response(const char *got, size_t got_len, const char *want, size_t want_len,
                          char *why, size_t why_len) {
  if (got_len == want_len && memcmp(got, want, want_len) == 0)
    return 0;
  snprintf(why, why_len, "wrong response (%zu bytes, want %zu): %.*s", got_len, want_len,
           (int)(got_len < 120 ? got_len : 120), got);
  return 1;
}

static int native_call(void *state, const struct bench_request *rq, char *why, size_t why_len) {
  (void)state;
  static char resp[SERVE_MAX_RESPONSE];
  long n = serve_handle_http(rq->http, rq->http_len, resp, sizeof resp);
  return check_response(resp, n < 0 ? 0 : (size_t)n, rq->want_http, rq->want_http_len, why,
                        why_len);
}

/* Reads fd to end of file into buf; the byte count, or -1. */
static long read_all(int fd, char *buf, size_t cap) {
  size_t n = 0;
  for (;;) {
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return -1;
    if (r == 0 || (n += (size_t)r) == cap)
      return (long)n;
  }
}

static int wait_child(pid_t pid, char *why, size_t why_len) {
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) {
      snprintf(why, why_len, "waitpid: %s", strerror(errno));
      return 1;
    }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    snprintf(why, why_len, "child ended with status 0x%x", status);
    return 1;
  }
  return 0;
}

static int native_fork(void *state, const struct bench_request *rq, char *why, size_t why_len) {
  (void)state;
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    snprintf(why, why_len, "pipe: %s", strerror(errno));
    return 1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    snprintf(why, why_len, "fork: %s", strerror(errno));
    close(p[0]), close(p[1]);
    return 1;
  }
  if (pid == 0) {
    static char resp[SERVE_MAX_RESPONSE];
    long n = serve_handle_http(rq->http, rq->http_len, resp, sizeof resp);
    _exit(n >= 0 && write(p[1], resp, (size_t)n) == n ? 0 : 1);
  }
  close(p[1]);
  char got[SERVE_MAX_RESPONSE];
  long n = read_all(p[0], got, sizeof got);
  close(p[0]);
  if (wait_child(pid, why, why_len))
    return 1;
  return check_response(got, n < 0 ? 0 : (size_t)n, rq->want_http, rq->want_http_len, why, why_len);
}

/* Classic CGI: the native build of serve-cgi, spawned per request with the request in its
 * environment and the body on a pipe. */
static int native_cgi_exec(void *state, const struct bench_request *rq, char *why, size_t why_len) {
  const char *path = state;
  char e_method[] = "REQUEST_METHOD=POST", e_path[] = "PATH_INFO=/echo", e_query[64], e_check[64],
       e_length[64];
  snprintf(e_query, sizeof e_query, "QUERY_STRING=%s", rq->query);
  snprintf(e_check, sizeof e_check, "HTTP_X_CHECK=%s", rq->check_value);
  snprintf(e_length, sizeof e_length, "CONTENT_LENGTH=%s", rq->content_length);
  char *envp[] = {e_method, e_path, e_query, e_check, e_length, NULL};
  char *argv[] = {(char *)path, NULL};
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
    snprintf(why, why_len, "pipe: %s", strerror(errno));
    return 1;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  pid_t pid;
  int err = posix_spawn(&pid, path, &fa, NULL, argv, envp);
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]), close(out[1]);
  if (err != 0) {
    close(in[1]), close(out[0]);
    snprintf(why, why_len, "posix_spawn %s: %s", path, strerror(err));
    return 1;
  }
  /* The body is far smaller than a pipe's buffer: one write cannot block. */
  ssize_t w = write(in[1], rq->body, rq->body_len);
  close(in[1]);
  char got[1024];
  long n = read_all(out[0], got, sizeof got);
  close(out[0]);
  if (wait_child(pid, why, why_len))
    return 1;
  if (w != (ssize_t)rq->body_len) {
    snprintf(why, why_len, "short write of the body");
    return 1;
  }
  return check_response(got, n < 0 ? 0 : (size_t)n, rq->want_cgi, rq->want_cgi_len, why, why_len);
}

int run_native_variants(const struct guests *g, const struct plan *plan) {
  int bad = 0;
  signal(SIGPIPE, SIG_IGN);
  if (want_variant(g, "native-call", "handler"))
    bad |= measure("native-call", "handler", "the handler's C code (gcc -O2) called in process",
                   native_call, NULL, plan);
  if (want_variant(g, "native-fork", "handler"))
    bad |= measure("native-fork", "handler",
                   "fork per request, the child calls the handler and writes the response to a "
                   "pipe; the parent reads it and reaps the child",
                   native_fork, NULL, plan);
  if (want_variant(g, "native-cgi-exec", "cgi"))
    bad |= measure("native-cgi-exec", "cgi",
                   "classic CGI: posix_spawn of serve-cgi.native per request, environment and "
                   "stdin/stdout pipes",
                   native_cgi_exec, (void *)g->cgi_native, plan);
  return bad;
}
