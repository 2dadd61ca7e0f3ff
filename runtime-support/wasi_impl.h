/* Prototypes of the WASI preview1 implementation, one per import, grouped by the file that
 * implements them. Arguments are the raw wasm-level values; each implementation decodes its
 * guest pointers through guest_mem.h. Generated once from the preview1 witx signatures. */
#ifndef WASMAOT_WASI_IMPL_H
#define WASMAOT_WASI_IMPL_H

#include <stdint.h>

#include "wasmaot-runtime.h"
#include "wasi_types.h"

/* wasi_ctx.c: arguments, environment, process */
wasi_errno_t wasi_args_get(wasi_ctx *ctx, uint32_t argv, uint32_t argv_buf);
wasi_errno_t wasi_args_sizes_get(wasi_ctx *ctx, uint32_t argc_out, uint32_t argv_buf_size_out);
wasi_errno_t wasi_environ_get(wasi_ctx *ctx, uint32_t environ, uint32_t environ_buf);
wasi_errno_t wasi_environ_sizes_get(wasi_ctx *ctx, uint32_t count_out, uint32_t buf_size_out);
WASM_RT_NO_RETURN void wasi_proc_exit(wasi_ctx *ctx, uint32_t code);
wasi_errno_t wasi_proc_raise(wasi_ctx *ctx, uint32_t sig);
wasi_errno_t wasi_sched_yield(wasi_ctx *ctx);

/* clocks.c: clocks and randomness */
wasi_errno_t wasi_clock_res_get(wasi_ctx *ctx, uint32_t clock_id, uint32_t resolution_out);
wasi_errno_t wasi_clock_time_get(wasi_ctx *ctx, uint32_t clock_id, uint64_t precision,
                                 uint32_t time_out);
wasi_errno_t wasi_random_get(wasi_ctx *ctx, uint32_t buf, uint32_t buf_len);

/* fd_io.c: operations on an open descriptor */
wasi_errno_t wasi_fd_advise(wasi_ctx *ctx, uint32_t fd, uint64_t offset, uint64_t len,
                            uint32_t advice);
wasi_errno_t wasi_fd_allocate(wasi_ctx *ctx, uint32_t fd, uint64_t offset, uint64_t len);
wasi_errno_t wasi_fd_close(wasi_ctx *ctx, uint32_t fd);
wasi_errno_t wasi_fd_datasync(wasi_ctx *ctx, uint32_t fd);
wasi_errno_t wasi_fd_fdstat_get(wasi_ctx *ctx, uint32_t fd, uint32_t fdstat_out);
wasi_errno_t wasi_fd_fdstat_set_flags(wasi_ctx *ctx, uint32_t fd, uint32_t flags);
wasi_errno_t wasi_fd_fdstat_set_rights(wasi_ctx *ctx, uint32_t fd, uint64_t rights_base,
                                       uint64_t rights_inheriting);
wasi_errno_t wasi_fd_filestat_get(wasi_ctx *ctx, uint32_t fd, uint32_t filestat_out);
wasi_errno_t wasi_fd_filestat_set_size(wasi_ctx *ctx, uint32_t fd, uint64_t size);
wasi_errno_t wasi_fd_filestat_set_times(wasi_ctx *ctx, uint32_t fd, uint64_t atim, uint64_t mtim,
                                        uint32_t fst_flags);
wasi_errno_t wasi_fd_pread(wasi_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                           uint64_t offset, uint32_t nread_out);
wasi_errno_t wasi_fd_prestat_get(wasi_ctx *ctx, uint32_t fd, uint32_t prestat_out);
wasi_errno_t wasi_fd_prestat_dir_name(wasi_ctx *ctx, uint32_t fd, uint32_t path, uint32_t path_len);
wasi_errno_t wasi_fd_pwrite(wasi_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                            uint64_t offset, uint32_t nwritten_out);
wasi_errno_t wasi_fd_read(wasi_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                          uint32_t nread_out);
wasi_errno_t wasi_fd_renumber(wasi_ctx *ctx, uint32_t fd, uint32_t to);
wasi_errno_t wasi_fd_seek(wasi_ctx *ctx, uint32_t fd, uint64_t offset, uint32_t whence,
                          uint32_t newoffset_out);
wasi_errno_t wasi_fd_sync(wasi_ctx *ctx, uint32_t fd);
wasi_errno_t wasi_fd_tell(wasi_ctx *ctx, uint32_t fd, uint32_t offset_out);
wasi_errno_t wasi_fd_write(wasi_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                           uint32_t nwritten_out);

/* path_ops.c: operations on paths beneath a directory descriptor, and directory listing */
wasi_errno_t wasi_fd_readdir(wasi_ctx *ctx, uint32_t fd, uint32_t buf, uint32_t buf_len,
                             uint64_t cookie, uint32_t bufused_out);
wasi_errno_t wasi_path_create_directory(wasi_ctx *ctx, uint32_t fd, uint32_t path,
                                        uint32_t path_len);
wasi_errno_t wasi_path_filestat_get(wasi_ctx *ctx, uint32_t fd, uint32_t flags, uint32_t path,
                                    uint32_t path_len, uint32_t filestat_out);
wasi_errno_t wasi_path_filestat_set_times(wasi_ctx *ctx, uint32_t fd, uint32_t flags, uint32_t path,
                                          uint32_t path_len, uint64_t atim, uint64_t mtim,
                                          uint32_t fst_flags);
wasi_errno_t wasi_path_link(wasi_ctx *ctx, uint32_t old_fd, uint32_t old_flags, uint32_t old_path,
                            uint32_t old_path_len, uint32_t new_fd, uint32_t new_path,
                            uint32_t new_path_len);
wasi_errno_t wasi_path_open(wasi_ctx *ctx, uint32_t fd, uint32_t dirflags, uint32_t path,
                            uint32_t path_len, uint32_t oflags, uint64_t rights_base,
                            uint64_t rights_inheriting, uint32_t fdflags, uint32_t fd_out);
wasi_errno_t wasi_path_readlink(wasi_ctx *ctx, uint32_t fd, uint32_t path, uint32_t path_len,
                                uint32_t buf, uint32_t buf_len, uint32_t bufused_out);
wasi_errno_t wasi_path_remove_directory(wasi_ctx *ctx, uint32_t fd, uint32_t path,
                                        uint32_t path_len);
wasi_errno_t wasi_path_rename(wasi_ctx *ctx, uint32_t fd, uint32_t old_path, uint32_t old_path_len,
                              uint32_t new_fd, uint32_t new_path, uint32_t new_path_len);
wasi_errno_t wasi_path_symlink(wasi_ctx *ctx, uint32_t old_path, uint32_t old_path_len, uint32_t fd,
                               uint32_t new_path, uint32_t new_path_len);
wasi_errno_t wasi_path_unlink_file(wasi_ctx *ctx, uint32_t fd, uint32_t path, uint32_t path_len);

/* poll.c */
wasi_errno_t wasi_poll_oneoff(wasi_ctx *ctx, uint32_t in, uint32_t out, uint32_t nsubscriptions,
                              uint32_t nevents_out);

/* sockets.c */
wasi_errno_t wasi_sock_accept(wasi_ctx *ctx, uint32_t fd, uint32_t flags, uint32_t fd_out);
wasi_errno_t wasi_sock_recv(wasi_ctx *ctx, uint32_t fd, uint32_t ri_data, uint32_t ri_data_len,
                            uint32_t ri_flags, uint32_t ro_datalen_out, uint32_t ro_flags_out);
wasi_errno_t wasi_sock_send(wasi_ctx *ctx, uint32_t fd, uint32_t si_data, uint32_t si_data_len,
                            uint32_t si_flags, uint32_t so_datalen_out);
wasi_errno_t wasi_sock_shutdown(wasi_ctx *ctx, uint32_t fd, uint32_t how);

#endif
