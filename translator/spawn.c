/* Child processes for the pipeline. See spawn.h. */
#define _GNU_SOURCE
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int spawn_capture(char *const argv[], char *out, size_t outlen) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0)
    return 127;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(pipefd[1]);
  size_t used = 0;
  if (rc != 0) {
    close(pipefd[0]);
    snprintf(out, outlen, "cannot run %s: %s", argv[0], strerror(rc));
    return 127;
  }
  char buf[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof buf)) != 0) {
    if (n < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    size_t take = (size_t)n;
    if (outlen && used + take > outlen - 1)
      take = outlen - 1 - used;
    memcpy(out + used, buf, take);
    used += take;
  }
  close(pipefd[0]);
  if (outlen)
    out[used] = 0;
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return 127;
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

char *spawn_find_program(const char *prog) {
  if (strchr(prog, '/'))
    return access(prog, X_OK) == 0 ? realpath(prog, NULL) : NULL;
  const char *path = getenv("PATH");
  if (!path)
    path = "/usr/local/bin:/usr/bin:/bin";
  char *copy = strdup(path), *save = NULL;
  if (!copy)
    return NULL;
  for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
    char *full;
    if (asprintf(&full, "%s/%s", dir, prog) < 0)
      break;
    struct stat st;
    if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0) {
      char *real = realpath(full, NULL);
      free(full);
      free(copy);
      return real;
    }
    free(full);
  }
  free(copy);
  return NULL;
}

const char *spawn_first_line(char *text) {
  /* Compilers open with context lines ("In function ..."); the first "error" line says more. */
  char *p = strstr(text, "error:");
  if (p) {
    while (p > text && p[-1] != '\n')
      p--;
  } else {
    p = text;
  }
  while (*p == '\n' || *p == ' ' || *p == '\r')
    p++;
  char *nl = strchr(p, '\n');
  if (nl)
    *nl = 0;
  return p;
}
