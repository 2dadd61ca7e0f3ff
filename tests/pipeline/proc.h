/* Running a program from a test: argv in, exit status and captured stdout/stderr out. */
#ifndef TESTS_PROC_H
#define TESTS_PROC_H

#include <stddef.h>

struct proc_result {
  int status; /* exit code, or 128+signal, or -1 if it could not start or timed out */
  char *out;  /* captured stdout, NUL-terminated (free with proc_result_free) */
  size_t out_len;
  char *err; /* captured stderr */
  size_t err_len;
};

/* Runs argv (argv[0] is a path or a name on PATH) with environment envp (NULL: inherit),
 * killing it after timeout_s seconds. */
struct proc_result proc_run(char *const argv[], char *const envp[], int timeout_s);
void proc_result_free(struct proc_result *r);

/* Number of lines in s (a final line without '\n' counts). */
int proc_count_lines(const char *s);

#endif
