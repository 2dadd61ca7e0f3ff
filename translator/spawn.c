/* Child processes for the pipeline. See spawn.h. */
#define _GNU_SOURCE
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

enum { MAX_CHILDREN = 64 };

/* The children started and not yet waited for (0: a free slot), each the leader of its own
 * process group. Changed only with the stop signals blocked, read by spawn_stop_all. */
static volatile pid_t g_children[MAX_CHILDREN];
static long g_peak_rss_kib; /* the largest peak RSS of a child tree so far */

static void block_stop_signals(sigset_t *old) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGINT);
  sigaddset(&s, SIGTERM);
  sigaddset(&s, SIGHUP);
  sigprocmask(SIG_BLOCK, &s, old);
}

/* Starts argv in a new process group with stdout and stderr into a pipe (its read end in
 * *fd), stdin from in_path (NULL: /dev/null), and registers it in *slot. Returns its pid, or 0
 * with the reason in `out`. */
static pid_t start_child(char *const argv[], const char *in_path, int *fd, int *slot, char *out,
                         size_t outlen) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) {
    snprintf(out, outlen, "cannot run %s: %s", argv[0], strerror(errno));
    return 0;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, in_path ? in_path : "/dev/null", O_RDONLY, 0);
  /* Blocked from before the child exists until it is registered, so that a stop signal cannot
   * miss it; the child gets the mask we had. */
  sigset_t old;
  block_stop_signals(&old);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigmask(&attr, &old);
  int s = 0;
  while (s < MAX_CHILDREN && g_children[s])
    s++;
  pid_t pid = 0;
  int rc = s < MAX_CHILDREN ? posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ) : EAGAIN;
  if (rc == 0)
    g_children[s] = pid;
  sigprocmask(SIG_SETMASK, &old, NULL);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  close(pipefd[1]);
  if (rc != 0) {
    close(pipefd[0]);
    snprintf(out, outlen, "cannot run %s: %s", argv[0], strerror(rc));
    return 0;
  }
  *fd = pipefd[0];
  *slot = s;
  return pid;
}

/* Waits for a child and unregisters it: first until it has ended (signals open: an interrupt
 * meanwhile still stops it), then reaps it with them blocked, so that its pid, free for reuse
 * once reaped, is never signalled after. */
static int reap_child(pid_t pid, int slot) {
  siginfo_t si;
  while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) != 0 && errno == EINTR)
    ;
  sigset_t old;
  block_stop_signals(&old);
  int status = 0;
  pid_t r;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  while ((r = wait4(pid, &status, 0, &ru)) < 0 && errno == EINTR)
    ;
  /* ru_maxrss: the largest of the child and the processes it reaped (a driver's cc1, as). */
  if (r == pid && ru.ru_maxrss > g_peak_rss_kib)
    g_peak_rss_kib = ru.ru_maxrss;
  g_children[slot] = 0;
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (r < 0)
    return 127;
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

struct running {
  int job, fd, slot;
  pid_t pid;
  size_t used;
};

int spawn_all(struct spawn_job *jobs, int njobs, int parallel) {
  struct running run[MAX_CHILDREN];
  struct pollfd pfd[MAX_CHILDREN];
  int next = 0, nrun = 0, failed = -1;
  if (parallel < 1)
    parallel = 1;
  if (parallel > MAX_CHILDREN)
    parallel = MAX_CHILDREN;
  for (int i = 0; i < njobs; i++) {
    jobs[i].rc = -1;
    jobs[i].stopped = 0;
    jobs[i].out[0] = 0;
  }
  for (;;) {
    while (failed < 0 && nrun < parallel && next < njobs) {
      struct running *r = &run[nrun];
      struct spawn_job *j = &jobs[next];
      r->pid = start_child(j->argv, j->stdin_path, &r->fd, &r->slot, j->out, sizeof j->out);
      if (!r->pid) {
        j->rc = 127;
        failed = next;
        for (int k = 0; k < nrun; k++) {
          kill(-run[k].pid, SIGTERM);
          jobs[run[k].job].stopped = 1;
        }
        break;
      }
      r->job = next++;
      r->used = 0;
      nrun++;
    }
    if (nrun == 0)
      break;
    for (int k = 0; k < nrun; k++)
      pfd[k] = (struct pollfd){.fd = run[k].fd, .events = POLLIN};
    if (poll(pfd, (nfds_t)nrun, -1) < 0) {
      if (errno == EINTR)
        continue;
      for (int k = 0; k < nrun; k++) /* cannot wait for output: just wait for the ends */
        pfd[k].revents = POLLHUP;
    }
    for (int k = 0; k < nrun; k++) {
      if (!pfd[k].revents)
        continue;
      struct running *r = &run[k];
      struct spawn_job *j = &jobs[r->job];
      char buf[4096];
      ssize_t n = read(r->fd, buf, sizeof buf);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (n > 0) {
        size_t take = (size_t)n;
        if (r->used + take > sizeof j->out - 1)
          take = sizeof j->out - 1 - r->used;
        memcpy(j->out + r->used, buf, take);
        r->used += take;
        j->out[r->used] = 0;
        continue;
      }
      /* End of its output (or an unreadable pipe): the child is ending. */
      close(r->fd);
      r->fd = -1;
      j->rc = reap_child(r->pid, r->slot);
      if (j->rc != 0 && failed < 0) {
        failed = r->job;
        for (int m = 0; m < nrun; m++)
          if (run[m].fd >= 0) {
            kill(-run[m].pid, SIGTERM);
            jobs[run[m].job].stopped = 1;
          }
      }
    }
    int kept = 0;
    for (int k = 0; k < nrun; k++)
      if (run[k].fd >= 0)
        run[kept++] = run[k];
    nrun = kept;
  }
  /* Of the jobs that failed by themselves (several may, at once), the first in order. */
  for (int i = 0; failed >= 0 && i < failed; i++)
    if (jobs[i].rc > 0 && !jobs[i].stopped)
      failed = i;
  return failed;
}

int spawn_capture(char *const argv[], char *out, size_t outlen) {
  struct spawn_job *job = calloc(1, sizeof *job);
  if (!job) {
    snprintf(out, outlen, "cannot run %s: out of memory", argv[0]);
    return 127;
  }
  job->argv = argv;
  spawn_all(job, 1, 1);
  int rc = job->rc;
  if (outlen)
    snprintf(out, outlen, "%s", job->out);
  free(job);
  return rc;
}

void spawn_stop_all(void) {
  int saved = errno;
  /* Each child leads its own process group: a compiler driver's own children (cc1, as, ld.lld)
   * are in it, and get the signal too. The group, not just its leader, must be gone before the
   * caller removes what they write in (a linker removes its own temporary on SIGTERM, after
   * its driver may have ended). */
  pid_t groups[MAX_CHILDREN];
  for (int i = 0; i < MAX_CHILDREN; i++) {
    groups[i] = g_children[i];
    if (groups[i] > 0)
      kill(-groups[i], SIGTERM);
  }
  /* Up to 2 s for them to end (poll as an async-signal-safe sleep). */
  for (int tick = 0; tick < 200; tick++) {
    int left = 0;
    for (int i = 0; i < MAX_CHILDREN; i++) {
      pid_t p = g_children[i];
      if (p > 0) {
        int status;
        pid_t r = waitpid(p, &status, WNOHANG);
        if (r == p || (r < 0 && errno == ECHILD))
          g_children[i] = 0;
      }
      /* A group outlives its reaped leader while another member runs (kill(-g, 0) finds it;
       * the group's number is not reused while it has members). */
      if (g_children[i] > 0 || (groups[i] > 0 && kill(-groups[i], 0) == 0))
        left++;
      else
        groups[i] = 0;
    }
    if (!left)
      break;
    poll(NULL, 0, 10);
  }
  for (int i = 0; i < MAX_CHILDREN; i++) {
    if (groups[i] > 0)
      kill(-groups[i], SIGKILL);
    pid_t p = g_children[i];
    if (p <= 0)
      continue;
    int status;
    while (waitpid(p, &status, 0) < 0 && errno == EINTR)
      ;
    g_children[i] = 0;
  }
  errno = saved;
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

long spawn_peak_rss_kib(void) {
  return g_peak_rss_kib;
}
