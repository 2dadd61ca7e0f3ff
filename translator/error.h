/* One-line error messages: every translator stage reports failure by filling a caller's
 * buffer, and main.c prints it as "wasmaot: error: ...". */
#ifndef WASMAOT_ERROR_H
#define WASMAOT_ERROR_H

#include <stddef.h>

/* Formats the message into err (truncated to errlen) and returns -1, so a stage can write
 * `return set_error(err, errlen, "...", ...);`. */
int set_error(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
