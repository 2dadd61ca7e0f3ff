/* Path resolution beneath a directory fd. See path_resolve.h. */
#define _GNU_SOURCE
#include "path_resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wasi_errno.h"

/* -1: not decided yet; 1: openat2 works; 0: component walk. */
static int openat2_state = -1;

bool path_resolve_uses_openat2(void) {
  if (openat2_state < 0) {
    const char *force = getenv("WASMAOT_FORCE_PATH_WALK");
    openat2_state = (force && strcmp(force, "1") == 0) ? 0 : 1;
  }
  return openat2_state == 1;
}

static wasi_errno_t resolve_error(int e) {
  /* EXDEV from RESOLVE_BENEATH means "this path leaves the sandbox". */
  return e == EXDEV ? WASI_ENOTCAPABLE : wasi_errno_from_host(e);
}

/* openat2 beneath dirfd; -1 with errno set on failure. ENOSYS switches to the walk for good. */
static int openat2_beneath(int dirfd, const char *path, int flags, mode_t mode) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = (uint64_t)(flags | O_CLOEXEC);
  if (flags & O_CREAT)
    how.mode = mode;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long fd;
  do
    fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
  while (fd < 0 && errno == EINTR);
  if (fd < 0 && errno == ENOSYS)
    openat2_state = 0;
  return (int)fd;
}

/* ---- The component walk (kernels without openat2) --------------------------------------- */

/* Directory fds from the starting directory down to the current one; ".." pops, so the walk
 * can never climb above where it started, whatever symlinks say. */
struct dir_stack {
  int *fds;
  size_t n, cap;
};

static void dir_stack_clear(struct dir_stack *s) {
  for (size_t i = 0; i < s->n; i++)
    close(s->fds[i]);
  free(s->fds);
}

static wasi_errno_t dir_stack_push(struct dir_stack *s, int fd) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    int *fds = realloc(s->fds, cap * sizeof *fds);
    if (!fds) {
      close(fd);
      return WASI_ENOMEM;
    }
    s->fds = fds;
    s->cap = cap;
  }
  s->fds[s->n++] = fd;
  return WASI_ESUCCESS;
}

/* Reads the symlink `fd` (opened O_PATH | O_NOFOLLOW) into a fresh string. */
static wasi_errno_t read_link_fd(int dirfd, const char *name, char **out) {
  char buf[PATH_MAX + 1];
  ssize_t n = readlinkat(dirfd, name, buf, sizeof buf);
  if (n < 0)
    return wasi_errno_last();
  if ((size_t)n >= sizeof buf)
    return WASI_ENAMETOOLONG;
  buf[n] = 0;
  *out = strdup(buf);
  return *out ? WASI_ESUCCESS : WASI_ENOMEM;
}

/* Replaces the unread part of the walk with `target` followed by `rest`. */
static wasi_errno_t splice_symlink(char **path, size_t *pos, const char *target, const char *rest) {
  /* No length limit of its own: the kernel keeps a stack of links, not one string, and answers
   * a path that keeps growing through links (a long self-referencing one) with ELOOP after
   * PATH_RESOLVE_MAX_SYMLINKS of them, which also bounds this string to about that many
   * PATH_MAX targets. A limit here would say ENAMETOOLONG where openat2 says ELOOP. */
  size_t tl = strlen(target), rl = strlen(rest);
  char *next = malloc(tl + rl + 2);
  if (!next)
    return WASI_ENOMEM;
  memcpy(next, target, tl);
  next[tl] = '/';
  memcpy(next + tl + 1, rest, rl + 1);
  free(*path);
  *path = next;
  *pos = 0;
  return WASI_ESUCCESS;
}

/* Opens directory `path` beneath `base` one component at a time, following every symlink.
 * Returns an O_PATH fd of the directory reached. */
static wasi_errno_t walk_to_dir(int base, const char *path, int *out_fd) {
  struct dir_stack stack = {0};
  char *todo = strdup(path);
  if (!todo)
    return WASI_ENOMEM;
  size_t pos = 0;
  int symlinks = 0;
  wasi_errno_t err = WASI_ESUCCESS;
  while (!err) {
    while (todo[pos] == '/')
      pos++;
    if (!todo[pos])
      break;
    size_t end = pos;
    while (todo[end] && todo[end] != '/')
      end++;
    char saved = todo[end];
    todo[end] = 0;
    const char *comp = todo + pos;
    pos = saved ? end + 1 : end;
    if (strcmp(comp, ".") == 0)
      continue;
    if (strcmp(comp, "..") == 0) {
      if (stack.n == 0)
        err = WASI_ENOTCAPABLE;
      else
        close(stack.fds[--stack.n]);
      continue;
    }
    int top = stack.n ? stack.fds[stack.n - 1] : base;
    int fd = openat(top, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
      err = wasi_errno_last();
      if (fd >= 0)
        close(fd);
      break;
    }
    if (S_ISLNK(st.st_mode)) {
      char *target = NULL;
      if (++symlinks > PATH_RESOLVE_MAX_SYMLINKS)
        err = WASI_ELOOP;
      else
        err = read_link_fd(fd, "", &target);
      close(fd);
      if (!err && target[0] == '/')
        err = WASI_ENOTCAPABLE; /* absolute symlinks point outside by definition */
      else if (!err && !target[0])
        err = WASI_ENOENT;
      if (!err) {
        char *rest = strdup(todo + pos);
        err = rest ? splice_symlink(&todo, &pos, target, rest) : WASI_ENOMEM;
        free(rest);
      }
      free(target);
    } else if (!S_ISDIR(st.st_mode)) {
      close(fd);
      err = WASI_ENOTDIR;
    } else {
      err = dir_stack_push(&stack, fd);
    }
  }
  free(todo);
  if (!err) {
    int top = stack.n ? stack.fds[stack.n - 1] : base;
    int fd = openat(top, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
      err = wasi_errno_last();
    else
      *out_fd = fd;
  }
  dir_stack_clear(&stack);
  return err;
}

/* ---- Shared entry points ----------------------------------------------------------------- */

/* An O_PATH fd of the directory `path` names beneath `base` (all symlinks followed). */
static wasi_errno_t open_dir_beneath(int base, const char *path, int *out_fd) {
  if (!path[0])
    path = ".";
  /* path_resolve splices a final symlink's target into the guest path, which can pass PATH_MAX
   * where the kernel, following the same link, would not have refused: the walk has no such
   * limit, so both strategies agree. */
  if (path_resolve_uses_openat2() && strlen(path) < PATH_MAX) {
    int fd = openat2_beneath(base, path, O_PATH | O_DIRECTORY, 0);
    if (fd >= 0) {
      *out_fd = fd;
      return WASI_ESUCCESS;
    }
    if (openat2_state == 1)
      return resolve_error(errno);
  }
  return walk_to_dir(base, path, out_fd);
}

void resolved_path_free(struct resolved_path *r) {
  if (r->dir_fd >= 0)
    close(r->dir_fd);
  free(r->name);
  r->dir_fd = -1;
  r->name = NULL;
}

wasi_errno_t path_resolve(int dirfd, const char *path, bool follow_final,
                          struct resolved_path *out) {
  out->dir_fd = -1;
  out->name = NULL;
  out->trailing_slash = false;
  if (path[0] == '/')
    return WASI_ENOTCAPABLE; /* WASI paths are relative to the directory fd */
  if (!path[0])
    return WASI_ENOENT; /* as open("") */
  if (strlen(path) >= PATH_MAX)
    return WASI_ENAMETOOLONG;
  char *cur = strdup(path);
  if (!cur)
    return WASI_ENOMEM;
  wasi_errno_t err;
  for (int hops = 0;; hops++) {
    size_t len = strlen(cur);
    bool trailing = false;
    while (len > 1 && cur[len - 1] == '/') {
      cur[--len] = 0;
      trailing = true;
    }
    char *slash = strrchr(cur, '/');
    char *last = slash ? slash + 1 : cur;
    if (slash)
      *slash = 0;
    /* cur never starts with '/': absolute paths and absolute symlink targets are refused. */
    const char *dir = slash ? cur : ".";
    if (strcmp(last, ".") == 0 || strcmp(last, "..") == 0) {
      if (slash)
        *slash = '/';
      err = open_dir_beneath(dirfd, cur, &out->dir_fd);
      if (!err)
        out->name = strdup(".");
      out->trailing_slash = trailing;
      break;
    }
    int fd;
    err = open_dir_beneath(dirfd, dir, &fd);
    if (err)
      break;
    struct stat st;
    if (follow_final && fstatat(fd, last, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
      char *target = NULL;
      err = hops >= PATH_RESOLVE_MAX_SYMLINKS ? WASI_ELOOP : read_link_fd(fd, last, &target);
      close(fd);
      if (!err && target[0] == '/')
        err = WASI_ENOTCAPABLE;
      else if (!err && !target[0])
        err = WASI_ENOENT;
      if (!err) {
        /* Continue from the link's directory (as a guest path, resolved again from dirfd, so
         * a target's ".." can use the whole of the directory, and no more). */
        char *next;
        if (asprintf(&next, "%s%s%s%s", slash ? cur : "", slash ? "/" : "", target,
                     trailing ? "/" : "") < 0)
          err = WASI_ENOMEM;
        else {
          free(cur);
          cur = next;
        }
      }
      free(target);
      if (err)
        break;
      continue;
    }
    out->dir_fd = fd;
    out->name = strdup(last);
    out->trailing_slash = trailing;
    err = WASI_ESUCCESS;
    break;
  }
  free(cur);
  if (!err && !out->name)
    err = WASI_ENOMEM;
  if (err)
    resolved_path_free(out);
  return err;
}

wasi_errno_t path_open_beneath(int dirfd, const char *path, int flags, mode_t mode,
                               bool follow_final_symlink, int *out_fd) {
  if (path[0] == '/')
    return WASI_ENOTCAPABLE;
  int nofollow = follow_final_symlink ? 0 : O_NOFOLLOW;
  if (path_resolve_uses_openat2()) {
    int fd = openat2_beneath(dirfd, path, flags | nofollow, mode);
    if (fd >= 0) {
      *out_fd = fd;
      return WASI_ESUCCESS;
    }
    if (openat2_state == 1)
      return resolve_error(errno);
  }
  /* The walk: resolve to (directory, name), then one openat that cannot follow anything. A
   * trailing slash makes open(2) follow the last symlink and require a directory. */
  struct resolved_path r;
  size_t len = strlen(path);
  bool trailing = len > 0 && path[len - 1] == '/';
  if (trailing && (flags & O_CREAT))
    return WASI_EISDIR; /* what open(2) says to O_CREAT of "name/" */
  wasi_errno_t err = path_resolve(dirfd, path, follow_final_symlink || trailing, &r);
  if (err)
    return err;
  int extra = O_NOFOLLOW | O_CLOEXEC | (r.trailing_slash ? O_DIRECTORY : 0);
  int fd;
  do
    fd = openat(r.dir_fd, r.name, flags | extra, mode);
  while (fd < 0 && errno == EINTR);
  err = fd < 0 ? wasi_errno_last() : WASI_ESUCCESS;
  resolved_path_free(&r);
  if (!err)
    *out_fd = fd;
  return err;
}
