/* rusage-exec: runs one command and writes what the kernel measured for it.
 *
 *   rusage-exec TIMEOUT_SECONDS REPORT_FILE -- COMMAND [ARGS...]
 *
 * REPORT_FILE gets one line: wall_ns user_us sys_us maxrss_kib exit timed_out, where exit is
 * the exit code, or -SIGNAL if the command was killed. stdio is inherited.
 *
 * Why a separate process: Linux keeps a process's peak RSS across execve(), so a command
 * spawned straight from the Python harness reports the harness's own ~60 MiB as its
 * ru_maxrss. Forked from this small program instead, the figure is the command's own (never
 * below this program's ~1 MiB). Wall time is taken here too, around fork → wait4. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile pid_t child_pid;
static volatile sig_atomic_t timed_out;

static void on_alarm(int sig) {
  (void)sig;
  timed_out = 1;
  if (child_pid > 0)
    kill(child_pid, SIGKILL);
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 5 || strcmp(argv[3], "--") != 0 || atoi(argv[1]) <= 0) {
    fprintf(stderr, "usage: rusage-exec TIMEOUT_SECONDS REPORT_FILE -- COMMAND [ARGS...]\n");
    return 2;
  }
  FILE *report = fopen(argv[2], "w");
  if (!report) {
    fprintf(stderr, "rusage-exec: cannot write %s: %s\n", argv[2], strerror(errno));
    return 2;
  }
  struct sigaction sa = {.sa_handler = on_alarm};
  sigaction(SIGALRM, &sa, NULL);

  long long start = now_ns();
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "rusage-exec: fork: %s\n", strerror(errno));
    return 2;
  }
  if (pid == 0) {
    execvp(argv[4], &argv[4]);
    fprintf(stderr, "rusage-exec: cannot run %s: %s\n", argv[4], strerror(errno));
    _exit(127);
  }
  child_pid = pid;
  alarm((unsigned)atoi(argv[1]));

  int status;
  struct rusage usage;
  while (wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) {
      fprintf(stderr, "rusage-exec: wait4: %s\n", strerror(errno));
      return 2;
    }
  }
  long long wall = now_ns() - start;
  alarm(0);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  fprintf(report, "%lld %lld %lld %ld %d %d\n", wall,
          usage.ru_utime.tv_sec * 1000000LL + usage.ru_utime.tv_usec,
          usage.ru_stime.tv_sec * 1000000LL + usage.ru_stime.tv_usec, usage.ru_maxrss, code,
          (int)timed_out);
  return fclose(report) == 0 ? 0 : 2;
}
