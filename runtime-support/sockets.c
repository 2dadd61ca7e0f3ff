/* Sockets: sock_accept, sock_recv, sock_send, sock_shutdown on guest socket descriptors.
 * (The listeners themselves come from --listen: listen.c.) fd_read/fd_write on a socket go
 * through fd_io.c like any stream.
 *
 * Errors, in the order wasmtime checks them: EBADF for an fd that is not open, ENOTSOCK for
 * one that is not a socket, ENOTCAPABLE for a missing right, EINVAL for unknown flags. Sends
 * use MSG_NOSIGNAL: a peer that went away gives the guest EPIPE, never kills the process. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fd_table.h"
#include "guest_mem.h"
#include "wasi_errno.h"
#include "wasi_impl.h"

static bool is_socket(const struct wasi_fd_entry *e) {
  return e->filetype == WASI_FILETYPE_SOCKET_STREAM || e->filetype == WASI_FILETYPE_SOCKET_DGRAM;
}

static wasi_errno_t get_socket(wasi_ctx *ctx, uint32_t fd, wasi_rights_t needed,
                               struct wasi_fd_entry **out) {
  struct wasi_fd_entry *e;
  wasi_errno_t err = fd_table_get(ctx->fds, fd, 0, &e);
  if (err)
    return err;
  if (!is_socket(e))
    return WASI_ENOTSOCK;
  if ((e->rights_base & needed) != needed)
    return WASI_ENOTCAPABLE;
  *out = e;
  return WASI_ESUCCESS;
}

wasi_errno_t wasi_sock_accept(wasi_ctx *ctx, uint32_t fd, uint32_t flags, uint32_t fd_out) {
  struct wasi_fd_entry *e;
  wasi_errno_t err = get_socket(ctx, fd, WASI_RIGHT_SOCK_ACCEPT, &e);
  if (err)
    return err;
  if (flags & ~(uint32_t)WASI_FDFLAG_NONBLOCK)
    return WASI_EINVAL;
  /* Check the out-pointer first: a connection accepted and then dropped would be lost. */
  if (!guest_mem_span(ctx->memory, fd_out, 4))
    return WASI_EFAULT;
  int host_flags = SOCK_CLOEXEC | (flags & WASI_FDFLAG_NONBLOCK ? SOCK_NONBLOCK : 0);
  int conn;
  do
    conn = accept4(e->host_fd, NULL, NULL, host_flags);
  while (conn < 0 && errno == EINTR);
  if (conn < 0)
    return wasi_errno_last(); /* EAGAIN when the listener is non-blocking and none is queued */
  wasi_rights_t rights = fd_rights_for_filetype(WASI_FILETYPE_SOCKET_STREAM);
  wasi_fd_t got;
  err = fd_table_insert(ctx->fds, conn, WASI_FILETYPE_SOCKET_STREAM, rights, rights, &got);
  if (err) {
    close(conn); /* the guest's table is full: the peer sees the connection close */
    return err;
  }
  return guest_mem_write_u32(ctx->memory, fd_out, got);
}

/* The guest's iovecs as host ones. A server's recv/send pass one or two, so up to
 * STACK_IOVECS are decoded into the caller's array instead of a fresh allocation per call
 * (more go through guest_mem_read_iovecs): the array is range-checked as a whole, then each
 * (buf, len) pair is read little-endian and its own range checked. Free *out if not `stack`. */
enum { STACK_IOVECS = 8 };
static inline uint32_t load_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static wasi_errno_t read_iovecs(const wasm_rt_memory_t *mem, uint32_t iovs, uint32_t n,
                                struct iovec *stack, struct iovec **out, int *count) {
  if (n > STACK_IOVECS)
    return guest_mem_read_iovecs(mem, iovs, n, out, count);
  const uint8_t *array = guest_mem_span(mem, iovs, (uint64_t)n * WASI_IOVEC_SIZE);
  if (!array)
    return WASI_EFAULT;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t len = load_le32(array + i * WASI_IOVEC_SIZE + 4);
    uint8_t *p = guest_mem_span(mem, load_le32(array + i * WASI_IOVEC_SIZE), len);
    if (!p)
      return WASI_EFAULT;
    stack[i] = (struct iovec){.iov_base = p, .iov_len = len};
  }
  *out = stack;
  *count = (int)n;
  return WASI_ESUCCESS;
}

/* recvmsg/sendmsg over the guest's iovecs, retrying on EINTR. A socket that is host stdio is
 * shared with the parent, so its O_NONBLOCK is never changed (fd_io.c): the guest's emulated
 * NONBLOCK becomes MSG_DONTWAIT for this call, and a blocking guest waits out the EAGAIN of a
 * socket the parent left non-blocking. */
static wasi_errno_t socket_io(const struct wasi_fd_entry *e, struct iovec *iov, int iovcnt,
                              int flags, bool send, size_t *n, int *msg_flags) {
  struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)iovcnt};
  if (fd_entry_emulates_nonblock(e))
    flags |= MSG_DONTWAIT;
  ssize_t r;
  for (;;) {
    r = send ? sendmsg(e->host_fd, &msg, flags) : recvmsg(e->host_fd, &msg, flags);
    if (r >= 0)
      break;
    if (errno == EINTR)
      continue;
    if (errno == EAGAIN && e->host_stdio && !(flags & MSG_DONTWAIT)) {
      struct pollfd p = {.fd = e->host_fd, .events = send ? POLLOUT : POLLIN};
      if (poll(&p, 1, -1) >= 0 || errno == EINTR)
        continue;
    }
    return wasi_errno_last();
  }
  *n = (size_t)r;
  *msg_flags = msg.msg_flags;
  return WASI_ESUCCESS;
}

wasi_errno_t wasi_sock_recv(wasi_ctx *ctx, uint32_t fd, uint32_t ri_data, uint32_t ri_data_len,
                            uint32_t ri_flags, uint32_t ro_datalen_out, uint32_t ro_flags_out) {
  struct wasi_fd_entry *e;
  wasi_errno_t err = get_socket(ctx, fd, WASI_RIGHT_FD_READ, &e);
  if (err)
    return err;
  if (ri_flags & ~(uint32_t)(WASI_RIFLAG_RECV_PEEK | WASI_RIFLAG_RECV_WAITALL))
    return WASI_EINVAL;
  /* Both out-pointers are checked before any byte is taken from the socket. */
  if (!guest_mem_span(ctx->memory, ro_datalen_out, 4) ||
      !guest_mem_span(ctx->memory, ro_flags_out, 2))
    return WASI_EFAULT;
  struct iovec stack[STACK_IOVECS], *iov;
  int iovcnt;
  if ((err = read_iovecs(ctx->memory, ri_data, ri_data_len, stack, &iov, &iovcnt)))
    return err;
  int flags = (ri_flags & WASI_RIFLAG_RECV_PEEK ? MSG_PEEK : 0) |
              (ri_flags & WASI_RIFLAG_RECV_WAITALL ? MSG_WAITALL : 0);
  size_t n = 0;
  int msg_flags = 0;
  err = socket_io(e, iov, iovcnt, flags, false, &n, &msg_flags);
  if (iov != stack)
    free(iov);
  if (err)
    return err;
  guest_mem_write_u32(ctx->memory, ro_datalen_out, (uint32_t)n);
  return guest_mem_write_u16(ctx->memory, ro_flags_out,
                             msg_flags & MSG_TRUNC ? WASI_ROFLAG_RECV_DATA_TRUNCATED : 0);
}

wasi_errno_t wasi_sock_send(wasi_ctx *ctx, uint32_t fd, uint32_t si_data, uint32_t si_data_len,
                            uint32_t si_flags, uint32_t so_datalen_out) {
  struct wasi_fd_entry *e;
  wasi_errno_t err = get_socket(ctx, fd, WASI_RIGHT_FD_WRITE, &e);
  if (err)
    return err;
  if (si_flags != 0) /* preview1 defines no send flags */
    return WASI_EINVAL;
  if (!guest_mem_span(ctx->memory, so_datalen_out, 4))
    return WASI_EFAULT;
  struct iovec stack[STACK_IOVECS], *iov;
  int iovcnt;
  if ((err = read_iovecs(ctx->memory, si_data, si_data_len, stack, &iov, &iovcnt)))
    return err;
  size_t n = 0;
  int msg_flags;
  err = socket_io(e, iov, iovcnt, MSG_NOSIGNAL, true, &n, &msg_flags);
  if (iov != stack)
    free(iov);
  if (err)
    return err;
  return guest_mem_write_u32(ctx->memory, so_datalen_out, (uint32_t)n);
}

wasi_errno_t wasi_sock_shutdown(wasi_ctx *ctx, uint32_t fd, uint32_t how) {
  struct wasi_fd_entry *e;
  wasi_errno_t err = get_socket(ctx, fd, WASI_RIGHT_SOCK_SHUTDOWN, &e);
  if (err)
    return err;
  int host_how;
  switch (how) {
  case WASI_SDFLAG_RD:
    host_how = SHUT_RD;
    break;
  case WASI_SDFLAG_WR:
    host_how = SHUT_WR;
    break;
  case WASI_SDFLAG_RD | WASI_SDFLAG_WR:
    host_how = SHUT_RDWR;
    break;
  default:
    return WASI_EINVAL;
  }
  return shutdown(e->host_fd, host_how) == 0 ? WASI_ESUCCESS : wasi_errno_last();
}
