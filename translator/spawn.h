/* Running the tools of the pipeline (wasm2c, the C compiler) as child processes, without a
 * shell, with their stderr captured so a failure can be reported in one line.
 *
 * Every child runs in a process group of its own (a compiler driver and the cc1/as it starts
 * share it), registered until it has been waited for, so that an interrupted wasmaot can stop
 * them all from its signal handler (spawn_stop_all) before it cleans up: a Ctrl-C in a terminal
 * reaches only wasmaot, and wasmaot passes it on. */
#ifndef WASMAOT_SPAWN_H
#define WASMAOT_SPAWN_H

#include <stddef.h>

/* Runs argv[0] (looked up on PATH). Returns the exit status (0 = success), 127 if it could not
 * be started, 128+N if killed by signal N. The child's stderr (and stdout) goes into `out`,
 * truncated to outlen-1 bytes and NUL-terminated. */
int spawn_capture(char *const argv[], char *out, size_t outlen);

/* One of several children run by spawn_all: argv in; exit status (as spawn_capture's) and the
 * first 8 KiB of its stdout and stderr out. */
struct spawn_job {
  char *const *argv;
  const char *stdin_path; /* its stdin; NULL: /dev/null */
  int rc;                 /* -1: not run */
  int stopped;            /* stopped by spawn_all after another job failed */
  char out[8192];
};

/* Runs the jobs, at most `parallel` at a time, in order. Returns -1 when every job succeeded.
 * On the first failure, the jobs still running are stopped (SIGTERM to their process groups)
 * and waited for, and those not started are not run; it returns the index of the first job in
 * order that failed by itself (its rc and out say how). */
int spawn_all(struct spawn_job *jobs, int njobs, int parallel);

/* From a signal handler (async-signal-safe): SIGTERM to every running child's process group,
 * up to 2 s for them to exit, SIGKILL to the groups of those that did not, then reaps them. */
void spawn_stop_all(void);

/* The largest peak resident set (KiB) of any child run so far, counting the processes each
 * child waited for itself (a compiler driver's cc1): what a build cost in memory at most. */
long spawn_peak_rss_kib(void);

/* Full path of `prog` on PATH (or prog itself if it contains '/'), or NULL. Caller frees. */
char *spawn_find_program(const char *prog);

/* The most telling line of `text` (the first with "error:", else the first non-empty one), for
 * one-line error messages. Modifies text in place. */
const char *spawn_first_line(char *text);

#endif
