/* Test helper: run a child with pipes for stdout and stderr, with a timeout. */
#define _GNU_SOURCE
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void append(char **buf, size_t *len, const char *data, size_t n) {
  *buf = realloc(*buf, *len + n + 1);
  memcpy(*buf + *len, data, n);
  *len += n;
  (*buf)[*len] = 0;
}

struct proc_result proc_run(char *const argv[], char *const envp[], int timeout_s) {
  struct proc_result r = {-1, calloc(1, 1), 0, calloc(1, 1), 0};
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
    return r;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp ? envp : environ);
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    close(out[0]);
    close(err[0]);
    return r;
  }
  struct pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2, timed_out = 0;
  time_t deadline = time(NULL) + timeout_s;
  while (open_fds > 0) {
    int left = (int)(deadline - time(NULL));
    if (left <= 0) {
      timed_out = 1;
      kill(pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, left * 1000) < 0 && errno != EINTR)
      break;
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      char buf[65536];
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        if (i == 0)
          append(&r.out, &r.out_len, buf, (size_t)n);
        else
          append(&r.err, &r.err_len, buf, (size_t)n);
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        open_fds--;
      }
    }
  }
  for (int i = 0; i < 2; i++)
    if (fds[i].fd >= 0)
      close(fds[i].fd);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (timed_out)
    r.status = -1;
  else if (WIFSIGNALED(status))
    r.status = 128 + WTERMSIG(status);
  else
    r.status = WEXITSTATUS(status);
  return r;
}

void proc_result_free(struct proc_result *r) {
  free(r->out);
  free(r->err);
  r->out = r->err = NULL;
}

int proc_count_lines(const char *s) {
  int n = 0;
  size_t len = strlen(s);
  for (size_t i = 0; i < len; i++)
    if (s[i] == '\n')
      n++;
  if (len > 0 && s[len - 1] != '\n')
    n++;
  return n;
}
