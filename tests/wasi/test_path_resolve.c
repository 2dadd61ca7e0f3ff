/* path_resolve.c on its own, linked from the ASan+UBSan runtime library: both strategies
 * (openat2, and the openat/O_NOFOLLOW walk forced by WASMAOT_FORCE_PATH_WALK=1) must give the
 * same answers on the same tree, and leak no descriptor.
 *
 *   BASE/a/b/f ("f"), BASE/file, BASE/la -> a, BASE/out -> ../outside, BASE/abs -> /,
 *   BASE/dangle_in -> created, BASE/dangle_out -> ../escaped, BASE/loop -> loop,
 *   BASE/up -> a/.. ; and beside BASE: outside/secret */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path_resolve.h"

static char root[PATH_MAX];
static int base = -1;
static int fds_before;

static int count_open_fds(void) {
  int n = 0;
  DIR *d = opendir("/proc/self/fd");
  if (!d)
    return -1;
  while (readdir(d))
    n++;
  closedir(d);
  return n;
}

static void touch(const char *rel, const char *data) {
  char p[PATH_MAX * 2];
  snprintf(p, sizeof p, "%s/%s", root, rel);
  FILE *f = fopen(p, "w");
  cr_assert(f, "create %s", p);
  fputs(data, f);
  fclose(f);
}

static void link_at(const char *target, const char *rel) {
  char p[PATH_MAX * 2];
  snprintf(p, sizeof p, "%s/%s", root, rel);
  cr_assert_eq(symlink(target, p), 0, "symlink %s: %s", p, strerror(errno));
}

static void mkdir_at(const char *rel) {
  char p[PATH_MAX * 2];
  snprintf(p, sizeof p, "%s/%s", root, rel);
  cr_assert_eq(mkdir(p, 0755), 0, "mkdir %s: %s", p, strerror(errno));
}

static void setup(void) {
  snprintf(root, sizeof root, "%s/path-resolve-XXXXXX", TEST_TMP_DIR);
  cr_assert(mkdtemp(root), "mkdtemp: %s", strerror(errno));
  const char *dirs[] = {"base", "base/a", "base/a/b", "outside"};
  for (int i = 0; i < 4; i++)
    mkdir_at(dirs[i]);
  touch("base/a/b/f", "f");
  touch("base/file", "file");
  touch("outside/secret", "secret");
  link_at("a", "base/la");
  link_at("../outside", "base/out");
  link_at("/", "base/abs");
  link_at("created", "base/dangle_in");
  link_at("../escaped", "base/dangle_out");
  link_at("loop", "base/loop");
  link_at("a/..", "base/up");
  char p[PATH_MAX * 2];
  snprintf(p, sizeof p, "%s/base", root);
  base = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cr_assert(base >= 0);
  fds_before = count_open_fds();
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static void teardown(void) {
  cr_expect_eq(count_open_fds(), fds_before, "descriptors leaked");
  close(base);
  nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup_walk(void) {
  setenv("WASMAOT_FORCE_PATH_WALK", "1", 1);
  setup();
}

/* Resolves and checks the outcome: the errno, and on success the name and trailing slash. */
static void expect_resolve(const char *path, bool follow, wasi_errno_t want_err,
                           const char *want_name, bool want_slash) {
  struct resolved_path r;
  wasi_errno_t err = path_resolve(base, path, follow, &r);
  cr_expect_eq(err, want_err, "resolve(\"%s\", follow=%d): errno %d, want %d", path, follow, err,
               want_err);
  if (!err) {
    cr_expect_str_eq(r.name, want_name, "resolve(\"%s\")", path);
    cr_expect_eq(r.trailing_slash, want_slash, "resolve(\"%s\") trailing slash", path);
    resolved_path_free(&r);
  }
}

/* Opens read-only and, on success, checks the content (NULL: a directory). */
static void expect_open(const char *path, int flags, bool follow, wasi_errno_t want_err,
                        const char *want_data) {
  int fd = -1;
  wasi_errno_t err = path_open_beneath(base, path, flags, 0644, follow, &fd);
  cr_expect_eq(err, want_err, "open(\"%s\", follow=%d): errno %d, want %d", path, follow, err,
               want_err);
  if (err)
    return;
  char buf[32] = {0};
  if (want_data) {
    cr_expect(read(fd, buf, sizeof buf - 1) >= 0);
    cr_expect_str_eq(buf, want_data, "content of %s", path);
  }
  close(fd);
}

static void check_all(void) {
  /* The directory itself, in several spellings; "" is no path at all. */
  expect_resolve("", false, WASI_ENOENT, NULL, false);
  expect_resolve(".", false, WASI_ESUCCESS, ".", false);
  expect_resolve("a/..", false, WASI_ESUCCESS, ".", false);
  expect_resolve("a/b/../../", false, WASI_ESUCCESS, ".", true);
  expect_resolve("up", true, WASI_ESUCCESS, ".", false);
  /* Names, trailing slashes, missing last components. */
  expect_resolve("a/b/f", false, WASI_ESUCCESS, "f", false);
  expect_resolve("a//b///", false, WASI_ESUCCESS, "b", true);
  expect_resolve("a/missing", false, WASI_ESUCCESS, "missing", false);
  expect_resolve("missing/x", false, WASI_ENOENT, NULL, false);
  expect_resolve("file/x", false, WASI_ENOTDIR, NULL, false);
  /* Escapes, however spelt. */
  expect_resolve("..", false, WASI_ENOTCAPABLE, NULL, false);
  expect_resolve("a/../../outside/secret", false, WASI_ENOTCAPABLE, NULL, false);
  expect_resolve("/etc", false, WASI_ENOTCAPABLE, NULL, false);
  expect_resolve("out/secret", false, WASI_ENOTCAPABLE, NULL, false);
  expect_resolve("abs/etc", false, WASI_ENOTCAPABLE, NULL, false);
  expect_resolve("out", true, WASI_ENOTCAPABLE, NULL, false);
  expect_resolve("dangle_out", true, WASI_ENOTCAPABLE, NULL, false);
  /* Not following, the link is a name like any other. */
  expect_resolve("out", false, WASI_ESUCCESS, "out", false);
  expect_resolve("la/b/f", false, WASI_ESUCCESS, "f", false);
  expect_resolve("la", true, WASI_ESUCCESS, "a", false);
  expect_resolve("dangle_in", true, WASI_ESUCCESS, "created", false);
  /* Loops. */
  expect_resolve("loop", true, WASI_ELOOP, NULL, false);
  expect_resolve("loop/x", false, WASI_ELOOP, NULL, false);
  expect_resolve("loop", false, WASI_ESUCCESS, "loop", false);
  char long_path[PATH_MAX + 8];
  memset(long_path, 'a', sizeof long_path - 1);
  long_path[sizeof long_path - 1] = 0;
  expect_resolve(long_path, false, WASI_ENAMETOOLONG, NULL, false);

  expect_open("a/b/f", O_RDONLY, false, WASI_ESUCCESS, "f");
  expect_open("la/b/../b/f", O_RDONLY, false, WASI_ESUCCESS, "f");
  expect_open("la", O_RDONLY | O_DIRECTORY, false, WASI_ENOTDIR, NULL); /* as open(2) */
  expect_open("la", O_RDONLY, false, WASI_ELOOP, NULL);
  expect_open("la", O_RDONLY | O_DIRECTORY, true, WASI_ESUCCESS, NULL);
  expect_open("la/", O_RDONLY, false, WASI_ESUCCESS, NULL); /* a slash follows the link */
  expect_open("file/", O_RDONLY, false, WASI_ENOTDIR, NULL);
  expect_open("out/secret", O_RDONLY, true, WASI_ENOTCAPABLE, NULL);
  expect_open("abs", O_RDONLY, true, WASI_ENOTCAPABLE, NULL);
  expect_open("dangle_out", O_WRONLY | O_CREAT, true, WASI_ENOTCAPABLE, NULL);
  expect_open("loop", O_RDONLY, true, WASI_ELOOP, NULL);
  expect_open("new/", O_WRONLY | O_CREAT, false, WASI_EISDIR, NULL);
  expect_open("dangle_in", O_WRONLY | O_CREAT, true, WASI_ESUCCESS, NULL);
  struct stat st;
  char p[PATH_MAX * 2];
  snprintf(p, sizeof p, "%s/base/created", root);
  cr_expect_eq(stat(p, &st), 0, "creating through dangle_in made base/created");
  snprintf(p, sizeof p, "%s/escaped", root);
  cr_expect_neq(stat(p, &st), 0, "nothing was created beside the base");
}

Test(path_resolve, openat2, .init = setup, .fini = teardown) {
  check_all();
}

Test(path_resolve, walk, .init = setup_walk, .fini = teardown) {
  check_all();
  cr_expect(!path_resolve_uses_openat2(), "WASMAOT_FORCE_PATH_WALK=1 did not select the walk");
}
