/* Helpers shared by the CLI tests. See cli_util.h. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_util.h"

char scratch[512];

void make_scratch(void) {
  snprintf(scratch, sizeof scratch, "%s/cli-scratch-XXXXXX", TEST_TMP_DIR);
  cr_assert_not_null(mkdtemp(scratch));
}

void remove_scratch(void) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
  cr_assert_eq(system(cmd), 0);
}

void write_file(const char *path, const void *data, size_t len, mode_t mode) {
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f, "cannot write %s", path);
  cr_assert_eq(fwrite(data, 1, len, f), len);
  fclose(f);
  chmod(path, mode);
}

int count_entries(const char *dir) {
  DIR *d = opendir(dir);
  if (!d)
    return 0;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      n++;
  closedir(d);
  return n;
}

/* The error contract: status 1, exactly one stderr line starting "wasmaot: error:",
 * containing `needle`, nothing on stdout. */
void expect_one_line_error(struct proc_result *r, const char *needle) {
  cr_expect_eq(r->status, 1, "status %d, stderr: %s", r->status, r->err);
  cr_expect_eq(proc_count_lines(r->err), 1, "want one stderr line, got: %s", r->err);
  cr_expect(strncmp(r->err, "wasmaot: error: ", 16) == 0, "stderr: %s", r->err);
  cr_expect(strstr(r->err, needle) != NULL, "want \"%s\" in: %s", needle, r->err);
  cr_expect_eq(r->out_len, 0, "stdout: %s", r->out);
}

/* Builds `in` to scratch/out and expects failure with `needle`; also with a precious file
 * already at the output path, which must survive unchanged. */
void expect_build_fails(const char *in, const char *needle, char *const envp[]) {
  char out[600];
  snprintf(out, sizeof out, "%s/out", scratch);
  char *argv[] = {WASMAOT, "build", (char *)in, "-o", out, NULL};
  int entries_before = count_entries(scratch);
  struct proc_result r = proc_run(argv, envp, 120);
  expect_one_line_error(&r, needle);
  proc_result_free(&r);
  cr_expect_neq(access(out, F_OK), 0, "a partial output was left at %s", out);
  cr_expect_eq(count_entries(scratch), entries_before, "temporary files left next to the output");

  write_file(out, "precious", 8, 0644);
  r = proc_run(argv, envp, 120);
  cr_expect_eq(r.status, 1);
  proc_result_free(&r);
  FILE *f = fopen(out, "rb");
  char buf[16] = {0};
  cr_assert_not_null(f);
  cr_expect_eq(fread(buf, 1, sizeof buf, f), 8);
  fclose(f);
  cr_expect_str_eq(buf, "precious", "a failed build damaged the existing output");
  cr_expect_eq(count_entries(scratch), entries_before + 1, "temporary files left behind");
}
