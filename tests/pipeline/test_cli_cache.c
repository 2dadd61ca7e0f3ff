/* The trust rule of `wasmaot run`'s cache: it execs what it finds there, so the directory and
 * its entries must be ours alone (owned by the current user, not writable by group or others,
 * no symlink planted by someone else); otherwise one error line, exit 1, nothing run. A cache
 * wasmaot creates is 0700. The ownership cases need root (to hand files to nobody). */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_util.h"
#include "proc.h"

TestSuite(cache, .init = make_scratch, .fini = remove_scratch);

static const unsigned nobody = 65534;

/* `wasmaot run -v hello.wasm` with WASMAOT_CACHE=dir. */
static struct proc_result run_with_cache(const char *dir) {
  static char cache_env[800], path_env[4096], in[600];
  snprintf(cache_env, sizeof cache_env, "WASMAOT_CACHE=%s", dir);
  snprintf(path_env, sizeof path_env, "PATH=%s", getenv("PATH"));
  snprintf(in, sizeof in, "%s/hello.wasm", WORKLOAD_DIR);
  char *envp[] = {cache_env, path_env, NULL};
  char *argv[] = {WASMAOT, "run", "-v", in, NULL};
  return proc_run(argv, envp, 120);
}

static void expect_refused(const char *dir, const char *needle) {
  int before = count_entries(dir);
  struct proc_result r = run_with_cache(dir);
  expect_one_line_error(&r, needle); /* also: nothing on stdout, so the guest did not run */
  proc_result_free(&r);
  cr_expect_eq(count_entries(dir), before, "something was written into a refused cache");
}

static void make_dir(const char *path, mode_t mode) {
  cr_assert_eq(mkdir(path, mode), 0, "mkdir %s", path);
  cr_assert_eq(chmod(path, mode), 0); /* past the umask */
}

Test(cache, first_use_creates_a_private_cache) {
  char dir[700], parent[700];
  snprintf(parent, sizeof parent, "%s/new", scratch);
  snprintf(dir, sizeof dir, "%s/new/wasmaot", scratch);
  struct proc_result r = run_with_cache(dir);
  cr_expect_eq(r.status, 0, "%s", r.err);
  proc_result_free(&r);
  const char *created[] = {parent, dir};
  for (int i = 0; i < 2; i++) {
    struct stat st;
    cr_assert_eq(stat(created[i], &st), 0);
    cr_expect_eq(st.st_mode & 07777, 0700, "%s is %o", created[i], st.st_mode & 07777);
  }
}

Test(cache, group_or_other_writable_directory_is_refused) {
  char dir[700];
  snprintf(dir, sizeof dir, "%s/cache", scratch);
  make_dir(dir, 0777);
  expect_refused(dir, "is writable by group or others");
  cr_assert_eq(chmod(dir, 0770), 0);
  expect_refused(dir, "is writable by group or others");
}

Test(cache, directory_of_another_user_is_refused) {
  if (geteuid() != 0)
    cr_skip_test("needs root to give the directory to nobody");
  char dir[700];
  snprintf(dir, sizeof dir, "%s/cache", scratch);
  make_dir(dir, 0700);
  cr_assert_eq(chown(dir, nobody, nobody), 0);
  expect_refused(dir, "is not owned by the current user");
}

/* A symlink someone else planted is not followed, even to a directory that looks fine; our
 * own symlink to our own directory is. */
Test(cache, symlink_of_another_user_is_refused) {
  if (geteuid() != 0)
    cr_skip_test("needs root to give the symlink to nobody");
  char dir[700], link[700];
  snprintf(dir, sizeof dir, "%s/real", scratch);
  snprintf(link, sizeof link, "%s/cache", scratch);
  make_dir(dir, 0700);
  cr_assert_eq(symlink(dir, link), 0);
  struct proc_result r = run_with_cache(link);
  cr_expect_eq(r.status, 0, "our own symlink: %s", r.err);
  proc_result_free(&r);
  cr_assert_eq(lchown(link, nobody, nobody), 0);
  expect_refused(link, "is a symlink owned by another user");
}

/* An entry found in the cache is run only if it is ours alone. */
Test(cache, entries_that_others_could_have_written_are_refused) {
  char dir[700], entry[1024];
  snprintf(dir, sizeof dir, "%s/cache", scratch);
  struct proc_result r = run_with_cache(dir);
  cr_assert_eq(r.status, 0, "%s", r.err);
  const char *said = strstr(r.err, "translating into ");
  cr_assert_not_null(said, "%s", r.err);
  snprintf(entry, sizeof entry, "%s", said + strlen("translating into "));
  entry[strcspn(entry, "\n")] = 0;
  proc_result_free(&r);

  cr_assert_eq(chmod(entry, 0777), 0);
  expect_refused(dir, "is writable by group or others");
  cr_assert_eq(chmod(entry, 0755), 0);
  r = run_with_cache(dir);
  cr_expect_eq(r.status, 0, "%s", r.err);
  cr_expect(strstr(r.err, "cache hit") != NULL, "%s", r.err);
  proc_result_free(&r);
  if (geteuid() == 0) {
    cr_assert_eq(chown(entry, nobody, nobody), 0);
    expect_refused(dir, "is not owned by the current user");
  }
}
