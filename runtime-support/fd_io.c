/* Operations on an open descriptor: read/write, seek, stat, flags, rights, prestat. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fd_table.h"
#include "guest_mem.h"
#include "wasi_errno.h"
#include "wasi_impl.h"
#include "wasi_stat.h"

static wasi_errno_t get(wasi_ctx *ctx, uint32_t fd, wasi_rights_t needed,
                        struct wasi_fd_entry **e) {
  return fd_table_get(ctx->fds, fd, needed, e);
}

/* Shared by fd_read/fd_write/fd_pread/fd_pwrite: decode iovecs, run the syscall, store n. */
typedef ssize_t (*vector_io_fn)(int fd, const struct iovec *iov, int n, off_t off);
static ssize_t do_readv(int fd, const struct iovec *v, int n, off_t o) {
  (void)o;
  return readv(fd, v, n);
}
static ssize_t do_writev(int fd, const struct iovec *v, int n, off_t o) {
  (void)o;
  return writev(fd, v, n);
}

/* Host stdio is shared with the parent, so the guest's NONBLOCK flag on it is never set on
 * the host file (the parent's terminal or pipe would then fail with EAGAIN after we exit); it is
 * emulated per guest descriptor instead:
 *  - guest non-blocking: poll with timeout 0 first, EAGAIN when not ready. Ready means at least
 *    one byte to read, or room for at least PIPE_BUF bytes; a larger write may still wait for
 *    the reader, as it does on a blocking pipe;
 *  - guest blocking on a host fd the parent left O_NONBLOCK: EAGAIN waits (poll, no timeout)
 *    and retries, so the guest gets the blocking descriptor it asked for. */
static wasi_errno_t stdio_ready(const struct wasi_fd_entry *e, short events, int timeout_ms) {
  struct pollfd p = {.fd = e->host_fd, .events = events};
  int r;
  do
    r = poll(&p, 1, timeout_ms);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return wasi_errno_last();
  return r == 0 ? WASI_EAGAIN : WASI_ESUCCESS;
}

/* Serve: fd_read/fd_write on a memory stream (wasmaot-runtime.h): the request body in, the
 * response out. Reads past the body are end of input; a stream without an output buffer
 * (stdin) is not writable, one without input (stdout) reads as empty. */
static ssize_t mem_stream_io(struct wasi_mem_stream *s, const struct iovec *v, int count,
                             bool reading, wasi_errno_t *err) {
  size_t done = 0;
  for (int i = 0; i < count; i++) {
    size_t n = v[i].iov_len;
    if (reading) {
      size_t left = s->in ? s->in_len - s->in_pos : 0;
      if (n > left)
        n = left;
      if (n)
        memcpy(v[i].iov_base, s->in + s->in_pos, n);
      s->in_pos += n;
    } else {
      if (s->out_max == 0) {
        *err = WASI_EBADF;
        return -1;
      }
      if (n > s->out_max - s->out_len) {
        s->overflowed = true;
        *err = done ? WASI_ESUCCESS : WASI_EFBIG;
        return done ? (ssize_t)done : -1;
      }
      if (s->out_len + n > s->out_cap) {
        size_t cap = s->out_cap ? s->out_cap : 4096;
        while (cap < s->out_len + n)
          cap *= 2;
        if (cap > s->out_max)
          cap = s->out_max;
        uint8_t *grown = realloc(s->out, cap);
        if (!grown) {
          *err = WASI_ENOMEM;
          return -1;
        }
        s->out = grown;
        s->out_cap = cap;
      }
      if (n)
        memcpy(s->out + s->out_len, v[i].iov_base, n);
      s->out_len += n;
    }
    done += n;
  }
  *err = WASI_ESUCCESS;
  return (ssize_t)done;
}

static wasi_errno_t vector_io(wasi_ctx *ctx, uint32_t fd, wasi_rights_t needed, uint32_t iovs,
                              uint32_t iovs_len, int64_t offset, vector_io_fn io, uint32_t n_out) {
  struct wasi_fd_entry *e;
  wasi_errno_t err = get(ctx, fd, needed, &e);
  if (err)
    return err;
  if (e->filetype == WASI_FILETYPE_DIRECTORY)
    return WASI_EISDIR;
  /* The count's place is checked first: a call that ends in EFAULT must have done nothing. */
  if (!guest_mem_span(ctx->memory, n_out, 4))
    return WASI_EFAULT;
  struct iovec *v;
  int count;
  err = guest_mem_read_iovecs(ctx->memory, iovs, iovs_len, &v, &count);
  if (err)
    return err;
  ssize_t n = -1;
  if (e->mem_stream) {
    n = mem_stream_io(e->mem_stream, v, count, needed & WASI_RIGHT_FD_READ, &err);
    free(v);
    return err ? err : guest_mem_write_u32(ctx->memory, n_out, (uint32_t)n);
  }
  short events = needed & WASI_RIGHT_FD_READ ? POLLIN : POLLOUT;
  if (fd_entry_emulates_nonblock(e))
    err = stdio_ready(e, events, 0);
  while (!err) {
    n = io(e->host_fd, v, count, (off_t)offset);
    if (n >= 0)
      break;
    if (errno == EINTR)
      continue;
    err = wasi_errno_last();
    if (err == WASI_EAGAIN && e->host_stdio && !fd_entry_emulates_nonblock(e))
      err = stdio_ready(e, events, -1);
  }
  free(v);
  if (err)
    return err;
  return guest_mem_write_u32(ctx->memory, n_out, (uint32_t)n);
}

wasi_errno_t wasi_fd_read(wasi_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                          uint32_t nread_out) {
  return vector_io(ctx, fd, WASI_RIGHT_FD_READ, iovs, iovs_len, 0, do_readv, nread_out);
}

wasi_errno_t wasi_fd_write(wasi_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                           uint32_t nwritten_out) {
  return vector_io(ctx, fd, WASI_RIGHT_FD_WRITE, iovs, iovs_len, 0, do_writev, nwritten_out);
}

wasi_errno_t wasi_fd_pread(wasi_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                           uint64_t offset, uint32_t nread_out) {
  if ((int64_t)offset < 0)
    return WASI_EINVAL;
  return vector_io(ctx, fd, WASI_RIGHT_FD_READ | WASI_RIGHT_FD_SEEK, iovs, iovs_len,
                   (int64_t)offset, preadv, nread_out);
}

/* pwrite on an O_APPEND file appends on Linux; WASI says the offset is honoured, which
 * pwritev2 with no flags does not either, so we keep the host's behaviour and document it. */
wasi_errno_t wasi_fd_pwrite(wasi_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                            uint64_t offset, uint32_t nwritten_out) {
  if ((int64_t)offset < 0)
    return WASI_EINVAL;
  return vector_io(ctx, fd, WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_SEEK, iovs, iovs_len,
                   (int64_t)offset, pwritev, nwritten_out);
}

wasi_errno_t wasi_fd_seek(wasi_ctx *ctx, uint32_t fd, uint64_t offset, uint32_t whence,
                          uint32_t newoffset_out) {
  struct wasi_fd_entry *e;
  int host_whence;
  switch (whence) {
  case WASI_WHENCE_SET:
    host_whence = SEEK_SET;
    break;
  case WASI_WHENCE_CUR:
    host_whence = SEEK_CUR;
    break;
  case WASI_WHENCE_END:
    host_whence = SEEK_END;
    break;
  default:
    return WASI_EINVAL;
  }
  /* Asking only for the position needs FD_TELL; moving it needs FD_SEEK. */
  wasi_rights_t needed =
      (offset == 0 && whence == WASI_WHENCE_CUR) ? WASI_RIGHT_FD_TELL : WASI_RIGHT_FD_SEEK;
  wasi_errno_t err = get(ctx, fd, needed, &e);
  if (err)
    return err;
  if (e->filetype == WASI_FILETYPE_DIRECTORY)
    return WASI_EBADF;
  if (!guest_mem_span(ctx->memory, newoffset_out, 8))
    return WASI_EFAULT; /* before moving: EFAULT leaves the offset alone */
  off_t pos = lseek(e->host_fd, (off_t)(int64_t)offset, host_whence);
  if (pos < 0)
    return wasi_errno_last();
  return guest_mem_write_u64(ctx->memory, newoffset_out, (uint64_t)pos);
}

wasi_errno_t wasi_fd_tell(wasi_ctx *ctx, uint32_t fd, uint32_t offset_out) {
  struct wasi_fd_entry *e;
  wasi_errno_t err = get(ctx, fd, WASI_RIGHT_FD_TELL, &e);
  if (err)
    return err;
  if (e->filetype == WASI_FILETYPE_DIRECTORY)
    return WASI_EBADF; /* as fd_seek: a directory has no offset the guest may see */
  off_t pos = lseek(e->host_fd, 0, SEEK_CUR);
  if (pos < 0)
    return wasi_errno_last();
  return guest_mem_write_u64(ctx->memory, offset_out, (uint64_t)pos);
}

wasi_errno_t wasi_fd_close(wasi_ctx *ctx, uint32_t fd) {
  return fd_table_close(ctx->fds, fd);
}

wasi_errno_t wasi_fd_renumber(wasi_ctx *ctx, uint32_t fd, uint32_t to) {
  return fd_table_renumber(ctx->fds, fd, to);
}

static wasi_errno_t sync_fd(wasi_ctx *ctx, uint32_t fd, wasi_rights_t right, int (*fn)(int)) {
  struct wasi_fd_entry *e;
  wasi_errno_t err = get(ctx, fd, right, &e);
  if (err)
    return err;
  return fn(e->host_fd) == 0 ? WASI_ESUCCESS : wasi_errno_last();
}

wasi_errno_t wasi_fd_sync(wasi_ctx *ctx, uint32_t fd) {
  return sync_fd(ctx, fd, WASI_RIGHT_FD_SYNC, fsync);
}

wasi_errno_t wasi_fd_datasync(wasi_ctx *ctx, uint32_t fd) {
  return sync_fd(ctx, fd, WASI_RIGHT_FD_DATASYNC, fdatasync);
}

wasi_errno_t wasi_fd_advise(wasi_ctx *ctx, uint32_t fd, uint64_t offset, uint64_t len,
                            uint32_t advice) {
  static const int host_advice[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                    POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
  struct wasi_fd_entry *e;
  if (advice > WASI_ADVICE_NOREUSE)
    return WASI_EINVAL;
  wasi_errno_t err = get(ctx, fd, WASI_RIGHT_FD_ADVISE, &e);
  if (err)
    return err;
  if (e->filetype == WASI_FILETYPE_DIRECTORY)
    return WASI_EBADF;
  if ((int64_t)offset < 0 || (int64_t)len < 0)
    return WASI_EINVAL;
  int r = posix_fadvise(e->host_fd, (off_t)offset, (off_t)len, host_advice[advice]);
  return r == 0 ? WASI_ESUCCESS : wasi_errno_from_host(r);
}

wasi_errno_t wasi_fd_allocate(wasi_ctx *ctx, uint32_t fd, uint64_t offset, uint64_t len) {
  struct wasi_fd_entry *e;
  wasi_errno_t err = get(ctx, fd, WASI_RIGHT_FD_ALLOCATE, &e);
  if (err)
    return err;
  if (e->filetype == WASI_FILETYPE_DIRECTORY)
    return WASI_EBADF;
  if ((int64_t)offset < 0 || (int64_t)len <= 0 || offset + len < offset)
    return WASI_EINVAL;
  int r = posix_fallocate(e->host_fd, (off_t)offset, (off_t)len);
  return r == 0 ? WASI_ESUCCESS : wasi_errno_from_host(r);
}

/* The WASI fdflags of a host descriptor's F_GETFL state (0 if it cannot be read). */
static uint16_t host_fdflags(int host_fd) {
  int fl = fcntl(host_fd, F_GETFL);
  uint16_t flags = 0;
  if (fl < 0)
    return 0;
  if (fl & O_APPEND)
    flags |= WASI_FDFLAG_APPEND;
  if (fl & O_NONBLOCK)
    flags |= WASI_FDFLAG_NONBLOCK;
  if (fl & O_DSYNC)
    flags |= WASI_FDFLAG_DSYNC;
  if ((fl & O_SYNC) == O_SYNC)
    flags |= WASI_FDFLAG_SYNC;
  return flags;
}

wasi_errno_t wasi_fd_fdstat_get(wasi_ctx *ctx, uint32_t fd, uint32_t fdstat_out) {
  struct wasi_fd_entry *e;
  wasi_errno_t err = get(ctx, fd, 0, &e);
  if (err)
    return err;
  uint8_t *p = guest_mem_span(ctx->memory, fdstat_out, WASI_FDSTAT_SIZE);
  if (!p)
    return WASI_EFAULT;
  /* Host stdio: what the guest set, not the shared host file's state. */
  uint16_t flags = e->host_stdio ? e->stdio_fdflags : host_fdflags(e->host_fd);
  memset(p, 0, WASI_FDSTAT_SIZE);
  guest_mem_write_u8(ctx->memory, fdstat_out, e->filetype);
  guest_mem_write_u16(ctx->memory, fdstat_out + 2, flags);
  guest_mem_write_u64(ctx->memory, fdstat_out + 8, e->rights_base);
  guest_mem_write_u64(ctx->memory, fdstat_out + 16, e->rights_inheriting);
  return WASI_ESUCCESS;
}

wasi_errno_t wasi_fd_fdstat_set_flags(wasi_ctx *ctx, uint32_t fd, uint32_t flags) {
  struct wasi_fd_entry *e;
  wasi_errno_t err = get(ctx, fd, WASI_RIGHT_FD_FDSTAT_SET_FLAGS, &e);
  if (err)
    return err;
  if (flags & ~(uint32_t)(WASI_FDFLAG_APPEND | WASI_FDFLAG_DSYNC | WASI_FDFLAG_NONBLOCK |
                          WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC))
    return WASI_EINVAL;
  /* Linux cannot change O_DSYNC/O_SYNC after open; say so rather than pretend. */
  if (flags & (WASI_FDFLAG_DSYNC | WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC))
    return WASI_ENOTSUP;
  if (e->host_stdio) {
    /* Recorded for this guest descriptor only. NONBLOCK is emulated (vector_io); APPEND has
     * nothing to change on a stream the guest cannot seek: writes go where the host's
     * descriptor puts them, and a host `>> log` stays in append mode. */
    e->stdio_fdflags = (uint16_t)flags;
    return WASI_ESUCCESS;
  }
  int fl = fcntl(e->host_fd, F_GETFL);
  if (fl < 0)
    return wasi_errno_last();
  fl &= ~(O_APPEND | O_NONBLOCK);
  if (flags & WASI_FDFLAG_APPEND)
    fl |= O_APPEND;
  if (flags & WASI_FDFLAG_NONBLOCK)
    fl |= O_NONBLOCK;
  return fcntl(e->host_fd, F_SETFL, fl) == 0 ? WASI_ESUCCESS : wasi_errno_last();
}

wasi_errno_t wasi_fd_fdstat_set_rights(wasi_ctx *ctx, uint32_t fd, uint64_t rights_base,
                                       uint64_t rights_inheriting) {
  struct wasi_fd_entry *e;
  wasi_errno_t err = get(ctx, fd, 0, &e);
  if (err)
    return err;
  /* Rights can only be dropped, never gained. */
  if ((rights_base & ~e->rights_base) || (rights_inheriting & ~e->rights_inheriting))
    return WASI_ENOTCAPABLE;
  e->rights_base = rights_base;
  e->rights_inheriting = rights_inheriting;
  return WASI_ESUCCESS;
}

wasi_errno_t wasi_fd_filestat_get(wasi_ctx *ctx, uint32_t fd, uint32_t filestat_out) {
  struct wasi_fd_entry *e;
  wasi_errno_t err = get(ctx, fd, WASI_RIGHT_FD_FILESTAT_GET, &e);
  if (err)
    return err;
  struct stat st;
  /* The host's stdio is the host's: its device, inode, size and times (the terminal, the log
   * file `>>` appends to) are not the guest's to see. It gets a stat of zeros, type unknown,
   * as wasmtime answers. */
  if (e->host_stdio)
    memset(&st, 0, sizeof st);
  else if (fstat(e->host_fd, &st) != 0)
    return wasi_errno_last();
  return wasi_stat_write(ctx->memory, filestat_out, &st);
}

wasi_errno_t wasi_fd_filestat_set_size(wasi_ctx *ctx, uint32_t fd, uint64_t size) {
  struct wasi_fd_entry *e;
  wasi_errno_t err = get(ctx, fd, WASI_RIGHT_FD_FILESTAT_SET_SIZE, &e);
  if (err)
    return err;
  if ((int64_t)size < 0)
    return WASI_EINVAL;
  return ftruncate(e->host_fd, (off_t)size) == 0 ? WASI_ESUCCESS : wasi_errno_last();
}

wasi_errno_t wasi_fd_filestat_set_times(wasi_ctx *ctx, uint32_t fd, uint64_t atim, uint64_t mtim,
                                        uint32_t fst_flags) {
  struct wasi_fd_entry *e;
  wasi_errno_t err = get(ctx, fd, WASI_RIGHT_FD_FILESTAT_SET_TIMES, &e);
  if (err)
    return err;
  struct timespec ts[2];
  err = wasi_stat_times(atim, mtim, fst_flags, ts);
  if (err)
    return err;
  return futimens(e->host_fd, ts) == 0 ? WASI_ESUCCESS : wasi_errno_last();
}

wasi_errno_t wasi_fd_prestat_get(wasi_ctx *ctx, uint32_t fd, uint32_t prestat_out) {
  struct wasi_fd_entry *e;
  wasi_errno_t err = get(ctx, fd, 0, &e);
  if (err)
    return err;
  if (!e->preopen_name)
    return WASI_EBADF;
  if (!guest_mem_span(ctx->memory, prestat_out, WASI_PRESTAT_SIZE))
    return WASI_EFAULT;
  guest_mem_write_u32(ctx->memory, prestat_out, WASI_PREOPENTYPE_DIR);
  return guest_mem_write_u32(ctx->memory, prestat_out + 4, (uint32_t)strlen(e->preopen_name));
}

wasi_errno_t wasi_fd_prestat_dir_name(wasi_ctx *ctx, uint32_t fd, uint32_t path,
                                      uint32_t path_len) {
  struct wasi_fd_entry *e;
  wasi_errno_t err = get(ctx, fd, 0, &e);
  if (err)
    return err;
  if (!e->preopen_name)
    return WASI_EBADF;
  size_t len = strlen(e->preopen_name);
  if (path_len < len)
    return WASI_ENAMETOOLONG;
  return guest_mem_write_bytes(ctx->memory, path, e->preopen_name, (uint32_t)len);
}
