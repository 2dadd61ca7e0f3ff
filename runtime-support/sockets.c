/* Sockets: pre-opened listeners (--listen) and sock_accept/recv/send/shutdown. */
#include <stdio.h>

#include "fd_table.h"
#include "wasi_impl.h"

int wasi_ctx_listen(wasi_ctx *ctx, const char *host_port) {
  (void)ctx;
  fprintf(stderr, "wasmaot: --listen %s: sockets are not supported yet\n", host_port);
  return -1;
}

static wasi_errno_t not_a_socket(wasi_ctx *ctx, uint32_t fd) {
  struct wasi_fd_entry *e;
  wasi_errno_t err = fd_table_get(ctx->fds, fd, 0, &e);
  return err ? err : WASI_ENOTSOCK;
}

wasi_errno_t wasi_sock_accept(wasi_ctx *ctx, uint32_t fd, uint32_t flags, uint32_t fd_out) {
  (void)flags, (void)fd_out;
  return not_a_socket(ctx, fd);
}
wasi_errno_t wasi_sock_recv(wasi_ctx *ctx, uint32_t fd, uint32_t ri_data, uint32_t ri_data_len,
                            uint32_t ri_flags, uint32_t ro_datalen_out, uint32_t ro_flags_out) {
  (void)ri_data, (void)ri_data_len, (void)ri_flags, (void)ro_datalen_out, (void)ro_flags_out;
  return not_a_socket(ctx, fd);
}
wasi_errno_t wasi_sock_send(wasi_ctx *ctx, uint32_t fd, uint32_t si_data, uint32_t si_data_len,
                            uint32_t si_flags, uint32_t so_datalen_out) {
  (void)si_data, (void)si_data_len, (void)si_flags, (void)so_datalen_out;
  return not_a_socket(ctx, fd);
}
wasi_errno_t wasi_sock_shutdown(wasi_ctx *ctx, uint32_t fd, uint32_t how) {
  (void)how;
  return not_a_socket(ctx, fd);
}
