/* fd_readdir: listing a directory descriptor, with cookies.
 *
 * A cookie is the index of an entry in the listing ("." and ".." included, as the host gives
 * them); d_next of an entry is the cookie of the one after it. The host DIR stream lives in the
 * fd table entry and remembers where it is (dir_pos), so reading a directory from start to end
 * costs one pass; any other cookie rewinds and skips. Cookie 0 always rewinds, so a listing
 * started afresh sees entries created since. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd_table.h"
#include "guest_mem.h"
#include "wasi_errno.h"
#include "wasi_impl.h"
#include "wasi_stat.h"

static uint8_t filetype_of_dirent(DIR *dir, const struct dirent *de) {
  switch (de->d_type) {
  case DT_DIR:
    return WASI_FILETYPE_DIRECTORY;
  case DT_REG:
    return WASI_FILETYPE_REGULAR_FILE;
  case DT_LNK:
    return WASI_FILETYPE_SYMBOLIC_LINK;
  case DT_CHR:
    return WASI_FILETYPE_CHARACTER_DEVICE;
  case DT_BLK:
    return WASI_FILETYPE_BLOCK_DEVICE;
  case DT_SOCK:
    return WASI_FILETYPE_SOCKET_STREAM;
  case DT_UNKNOWN: { /* some file systems do not say: ask */
    struct stat st;
    if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
      return wasi_filetype_from_mode(st.st_mode);
    return WASI_FILETYPE_UNKNOWN;
  }
  default:
    return WASI_FILETYPE_UNKNOWN;
  }
}

/* Puts the entry's stream at `cookie`: reuses it when already there, else (re)opens or
 * rewinds and skips. A cookie past the end leaves the stream at the end. */
static wasi_errno_t seek_to_cookie(struct wasi_fd_entry *e, uint64_t cookie) {
  if (e->dir_stream && cookie == e->dir_pos && cookie != 0)
    return WASI_ESUCCESS;
  if (!e->dir_stream) {
    /* A descriptor of its own: the DIR owns and closes it, and its offset is not the fd's. */
    int fd = openat(e->host_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
      return wasi_errno_last();
    e->dir_stream = fdopendir(fd);
    if (!e->dir_stream) {
      wasi_errno_t err = wasi_errno_last();
      close(fd);
      return err;
    }
  } else {
    rewinddir(e->dir_stream);
  }
  e->dir_pos = 0;
  while (e->dir_pos < cookie) {
    errno = 0;
    if (!readdir(e->dir_stream))
      return errno ? wasi_errno_last() : WASI_ESUCCESS;
    e->dir_pos++;
  }
  return WASI_ESUCCESS;
}

wasi_errno_t wasi_fd_readdir(wasi_ctx *ctx, uint32_t fd, uint32_t buf, uint32_t buf_len,
                             uint64_t cookie, uint32_t bufused_out) {
  struct wasi_fd_entry *e;
  wasi_errno_t err = fd_table_get(ctx->fds, fd, 0, &e);
  if (err)
    return err;
  if (e->filetype != WASI_FILETYPE_DIRECTORY)
    return WASI_ENOTDIR; /* before rights, as for path_* calls */
  err = fd_table_get(ctx->fds, fd, WASI_RIGHT_FD_READDIR, &e);
  if (err)
    return err;
  uint8_t *out = guest_mem_span(ctx->memory, buf, buf_len);
  if (!out || !guest_mem_span(ctx->memory, bufused_out, 4))
    return WASI_EFAULT;
  err = seek_to_cookie(e, cookie);
  if (err)
    return err;
  uint32_t used = 0;
  while (used < buf_len) {
    long before = telldir(e->dir_stream);
    errno = 0;
    struct dirent *de = readdir(e->dir_stream);
    if (!de) {
      if (errno)
        return wasi_errno_last();
      break;
    }
    size_t namlen = strlen(de->d_name);
    uint8_t header[WASI_DIRENT_SIZE];
    uint64_t next = e->dir_pos + 1, ino = de->d_ino;
    memset(header, 0, sizeof header);
    for (int i = 0; i < 8; i++) {
      header[i] = (uint8_t)(next >> (8 * i));
      header[8 + i] = (uint8_t)(ino >> (8 * i));
    }
    for (int i = 0; i < 4; i++)
      header[16 + i] = (uint8_t)(namlen >> (8 * i));
    header[20] = filetype_of_dirent(e->dir_stream, de);
    /* Copy what fits; a truncated last entry tells the guest to come back with a bigger
     * buffer from this entry's cookie, so the stream stays before it. */
    uint32_t room = buf_len - used;
    uint32_t n = room < sizeof header ? room : (uint32_t)sizeof header;
    memcpy(out + used, header, n);
    used += n;
    uint32_t name_n = buf_len - used < namlen ? buf_len - used : (uint32_t)namlen;
    memcpy(out + used, de->d_name, name_n);
    used += name_n;
    if (n < sizeof header || name_n < namlen) {
      seekdir(e->dir_stream, before);
      break;
    }
    e->dir_pos++;
  }
  return guest_mem_write_u32(ctx->memory, bufused_out, used);
}
