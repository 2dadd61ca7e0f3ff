/* Path resolution beneath a directory fd. See path_resolve.h. */
#define _GNU_SOURCE
#include "path_resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wasi_errno.h"

static wasi_errno_t resolve_error(int e) {
  /* EXDEV from RESOLVE_BENEATH means "this path leaves the sandbox". */
  if (e == EXDEV)
    return WASI_ENOTCAPABLE;
  return wasi_errno_from_host(e);
}

wasi_errno_t path_open_beneath(int dirfd, const char *path, int flags, mode_t mode,
                               bool follow_final_symlink, int *out_fd) {
  if (path[0] == '/')
    return WASI_ENOTCAPABLE; /* WASI paths are relative to the directory fd */
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = (uint64_t)(flags | O_CLOEXEC | (follow_final_symlink ? 0 : O_NOFOLLOW));
  if (flags & (O_CREAT | O_TMPFILE))
    how.mode = mode;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long fd;
  do
    fd = syscall(SYS_openat2, dirfd, path[0] ? path : ".", &how, sizeof how);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return resolve_error(errno);
  *out_fd = (int)fd;
  return WASI_ESUCCESS;
}

wasi_errno_t path_split_beneath(int dirfd, const char *path, int *parent_fd, char **last,
                                bool *trailing_slash) {
  if (path[0] == '/')
    return WASI_ENOTCAPABLE;
  size_t len = strlen(path);
  if (len == 0)
    return WASI_ENOENT;
  char *copy = strdup(path);
  if (!copy)
    return WASI_ENOMEM;
  *trailing_slash = false;
  while (len > 1 && copy[len - 1] == '/') {
    copy[--len] = 0;
    *trailing_slash = true;
  }
  char *slash = strrchr(copy, '/');
  const char *dir = ".";
  char *name = copy;
  if (slash) {
    *slash = 0;
    dir = copy[0] ? copy : ".";
    name = slash + 1;
  }
  *last = NULL;
  if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
    *last = strdup(name);
    if (!*last) {
      free(copy);
      return WASI_ENOMEM;
    }
  }
  /* With a last component of "." or "..", the caller operates on the directory itself. */
  wasi_errno_t err = path_open_beneath(dirfd, *last ? dir : path, O_PATH | O_DIRECTORY, 0,
                                       true, parent_fd);
  free(copy);
  if (err) {
    free(*last);
    *last = NULL;
  }
  return err;
}
