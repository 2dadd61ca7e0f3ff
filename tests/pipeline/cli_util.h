/* Helpers shared by the CLI tests (test_cli*.c): a scratch directory per test, files, and the
 * error contract of wasmaot (exit 1, one line "wasmaot: error: ...", nothing left behind). */
#ifndef TESTS_CLI_UTIL_H
#define TESTS_CLI_UTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "proc.h"

/* A fresh directory under TEST_TMP_DIR per test: .init/.fini of the suites. */
extern char scratch[512];
void make_scratch(void);
void remove_scratch(void);

void write_file(const char *path, const void *data, size_t len, mode_t mode);
/* Entries in dir, without . and ..; 0 if it cannot be read. */
int count_entries(const char *dir);

/* The error contract: status 1, exactly one stderr line starting "wasmaot: error:",
 * containing `needle`, nothing on stdout. */
void expect_one_line_error(struct proc_result *r, const char *needle);

/* Builds `in` to scratch/out and expects failure with `needle`; also with a precious file
 * already at the output path, which must survive unchanged. */
void expect_build_fails(const char *in, const char *needle, char *const envp[]);

#endif
