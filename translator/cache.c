/* Cache location and keys. Entries are whole executables written by pipeline_build, which
 * renames them into place only when complete, so a reader never sees a partial entry. */
#define _GNU_SOURCE
#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Creates missing directories on the way, private (0700), as XDG asks of ~/.cache. */
static int mkdir_p(char *path) {
  for (char *p = path + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = 0;
    int r = mkdir(path, 0700);
    *p = '/';
    if (r != 0 && errno != EEXIST)
      return -1;
  }
  return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/* Whether st describes something only we (or root) could have written into or replaced:
 * owned by us, not writable by group or others. Otherwise another user could plant an
 * executable that `run` would then exec as us. */
static const char *untrusted(const struct stat *st) {
  if (st->st_uid != geteuid())
    return "is not owned by the current user";
  if (st->st_mode & (S_IWGRP | S_IWOTH))
    return "is writable by group or others";
  return NULL;
}

static int refuse(char *err, size_t errlen, const char *what, const char *path, const char *why) {
  snprintf(err, errlen, "refusing %s %s: it %s", what, path, why);
  return -1;
}

int cache_dir(char *buf, size_t len, char *err, size_t errlen) {
  const char *env = getenv("WASMAOT_CACHE"), *xdg = getenv("XDG_CACHE_HOME"),
             *home = getenv("HOME");
  int n;
  if (env && *env)
    n = snprintf(buf, len, "%s", env);
  else if (xdg && *xdg)
    n = snprintf(buf, len, "%s/wasmaot", xdg);
  else if (home && *home)
    n = snprintf(buf, len, "%s/.cache/wasmaot", home);
  else {
    snprintf(err, errlen, "no cache directory: set WASMAOT_CACHE or HOME");
    return -1;
  }
  if (n < 0 || (size_t)n >= len) { /* a cut-off path would name some other directory */
    snprintf(err, errlen, "cache directory path too long");
    return -1;
  }
  if (mkdir_p(buf) != 0) {
    snprintf(err, errlen, "cannot create cache directory %s: %s", buf, strerror(errno));
    return -1;
  }
  /* A symlink is followed only if it is ours: one planted by someone else (in a shared
   * directory, say) may point anywhere, including at a directory they control. */
  struct stat link, st;
  if (lstat(buf, &link) != 0) {
    snprintf(err, errlen, "cannot use cache directory %s: %s", buf, strerror(errno));
    return -1;
  }
  if (S_ISLNK(link.st_mode) && link.st_uid != geteuid())
    return refuse(err, errlen, "cache directory", buf, "is a symlink owned by another user");
  int fd = open(buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &st) != 0) {
    snprintf(err, errlen, "cannot use cache directory %s: %s", buf, strerror(errno));
    if (fd >= 0)
      close(fd);
    return -1;
  }
  close(fd);
  const char *why = untrusted(&st);
  return why ? refuse(err, errlen, "cache directory", buf, why) : 0;
}

int cache_entry_state(const char *path, char *err, size_t errlen) {
  struct stat st;
  if (lstat(path, &st) != 0) {
    if (errno == ENOENT)
      return 0;
    snprintf(err, errlen, "cannot use cache entry %s: %s", path, strerror(errno));
    return -1;
  }
  if (!S_ISREG(st.st_mode))
    return refuse(err, errlen, "cache entry", path, "is not a regular file");
  const char *why = untrusted(&st);
  if (why)
    return refuse(err, errlen, "cache entry", path, why);
  return 1;
}

void cache_key(const void *const parts[], const size_t lens[], int nparts, char hex[65]) {
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (!md) { /* out of memory: not worth a recovery path this early in a run */
    fputs("wasmaot: error: out of memory\n", stderr);
    exit(1);
  }
  EVP_DigestInit_ex(md, EVP_sha256(), NULL);
  for (int i = 0; i < nparts; i++) {
    unsigned long long n = lens[i];
    EVP_DigestUpdate(md, &n, sizeof n);
    EVP_DigestUpdate(md, parts[i], lens[i]);
  }
  unsigned char digest[32];
  unsigned int dlen = 0;
  EVP_DigestFinal_ex(md, digest, &dlen);
  EVP_MD_CTX_free(md);
  for (int i = 0; i < 32; i++)
    sprintf(hex + 2 * i, "%02x", digest[i]);
  hex[64] = 0;
}
