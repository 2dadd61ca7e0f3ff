/* Cache location and keys. Entries are whole executables written by pipeline_build, which
 * renames them into place only when complete, so a reader never sees a partial entry. */
#define _GNU_SOURCE
#include "cache.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int mkdir_p(char *path) {
  for (char *p = path + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = 0;
    int r = mkdir(path, 0777);
    *p = '/';
    if (r != 0 && errno != EEXIST)
      return -1;
  }
  return mkdir(path, 0777) == 0 || errno == EEXIST ? 0 : -1;
}

int cache_dir(char *buf, size_t len, char *err, size_t errlen) {
  const char *env = getenv("WASMAOT_CACHE"), *xdg = getenv("XDG_CACHE_HOME"),
             *home = getenv("HOME");
  if (env && *env)
    snprintf(buf, len, "%s", env);
  else if (xdg && *xdg)
    snprintf(buf, len, "%s/wasmaot", xdg);
  else if (home && *home)
    snprintf(buf, len, "%s/.cache/wasmaot", home);
  else {
    snprintf(err, errlen, "no cache directory: set WASMAOT_CACHE or HOME");
    return -1;
  }
  if (mkdir_p(buf) != 0) {
    snprintf(err, errlen, "cannot create cache directory %s: %s", buf, strerror(errno));
    return -1;
  }
  return 0;
}

void cache_key(const void *const parts[], const size_t lens[], int nparts, char hex[65]) {
  EVP_MD_CTX *md = EVP_MD_CTX_new();
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
