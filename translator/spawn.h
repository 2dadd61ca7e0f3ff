/* Running the tools of the pipeline (wasm2c, the C compiler) as child processes, without a
 * shell, with their stderr captured so a failure can be reported in one line. */
#ifndef WASMAOT_SPAWN_H
#define WASMAOT_SPAWN_H

#include <stddef.h>

/* Runs argv[0] (looked up on PATH). Returns the exit status (0 = success), 127 if it could not
 * be started, 128+N if killed by signal N. The child's stderr (and stdout) goes into `out`,
 * truncated to outlen-1 bytes and NUL-terminated. */
int spawn_capture(char *const argv[], char *out, size_t outlen);

/* Full path of `prog` on PATH (or prog itself if it contains '/'), or NULL. Caller frees. */
char *spawn_find_program(const char *prog);

/* The most telling line of `text` (the first with "error:", else the first non-empty one), for
 * one-line error messages. Modifies text in place. */
const char *spawn_first_line(char *text);

#endif
