/* The 46 wasi_snapshot_preview1 imports, under the names wasm2c 1.0.42 gives them.
 * Deliberately thin: each forwards to the file that owns its concern (see wasi_impl.h). */
#include "wasi_impl.h"

typedef uint32_t u32;
typedef uint64_t u64;

u32 w2c_wasi__snapshot__preview1_args_get(wasi_ctx *ctx, u32 argv, u32 argv_buf) {
  return wasi_args_get(ctx, argv, argv_buf);
}
u32 w2c_wasi__snapshot__preview1_args_sizes_get(wasi_ctx *ctx, u32 argc_out, u32 argv_buf_size_out) {
  return wasi_args_sizes_get(ctx, argc_out, argv_buf_size_out);
}
u32 w2c_wasi__snapshot__preview1_environ_get(wasi_ctx *ctx, u32 environ, u32 environ_buf) {
  return wasi_environ_get(ctx, environ, environ_buf);
}
u32 w2c_wasi__snapshot__preview1_environ_sizes_get(wasi_ctx *ctx, u32 count_out, u32 buf_size_out) {
  return wasi_environ_sizes_get(ctx, count_out, buf_size_out);
}
u32 w2c_wasi__snapshot__preview1_clock_res_get(wasi_ctx *ctx, u32 clock_id, u32 resolution_out) {
  return wasi_clock_res_get(ctx, clock_id, resolution_out);
}
u32 w2c_wasi__snapshot__preview1_clock_time_get(wasi_ctx *ctx, u32 clock_id, u64 precision,
                                             u32 time_out) {
  return wasi_clock_time_get(ctx, clock_id, precision, time_out);
}
u32 w2c_wasi__snapshot__preview1_fd_advise(wasi_ctx *ctx, u32 fd, u64 offset, u64 len, u32 advice) {
  return wasi_fd_advise(ctx, fd, offset, len, advice);
}
u32 w2c_wasi__snapshot__preview1_fd_allocate(wasi_ctx *ctx, u32 fd, u64 offset, u64 len) {
  return wasi_fd_allocate(ctx, fd, offset, len);
}
u32 w2c_wasi__snapshot__preview1_fd_close(wasi_ctx *ctx, u32 fd) {
  return wasi_fd_close(ctx, fd);
}
u32 w2c_wasi__snapshot__preview1_fd_datasync(wasi_ctx *ctx, u32 fd) {
  return wasi_fd_datasync(ctx, fd);
}
u32 w2c_wasi__snapshot__preview1_fd_fdstat_get(wasi_ctx *ctx, u32 fd, u32 fdstat_out) {
  return wasi_fd_fdstat_get(ctx, fd, fdstat_out);
}
u32 w2c_wasi__snapshot__preview1_fd_fdstat_set_flags(wasi_ctx *ctx, u32 fd, u32 flags) {
  return wasi_fd_fdstat_set_flags(ctx, fd, flags);
}
u32 w2c_wasi__snapshot__preview1_fd_fdstat_set_rights(wasi_ctx *ctx, u32 fd, u64 rights_base,
                                                   u64 rights_inheriting) {
  return wasi_fd_fdstat_set_rights(ctx, fd, rights_base, rights_inheriting);
}
u32 w2c_wasi__snapshot__preview1_fd_filestat_get(wasi_ctx *ctx, u32 fd, u32 filestat_out) {
  return wasi_fd_filestat_get(ctx, fd, filestat_out);
}
u32 w2c_wasi__snapshot__preview1_fd_filestat_set_size(wasi_ctx *ctx, u32 fd, u64 size) {
  return wasi_fd_filestat_set_size(ctx, fd, size);
}
u32 w2c_wasi__snapshot__preview1_fd_filestat_set_times(wasi_ctx *ctx, u32 fd, u64 atim, u64 mtim,
                                                    u32 fst_flags) {
  return wasi_fd_filestat_set_times(ctx, fd, atim, mtim, fst_flags);
}
u32 w2c_wasi__snapshot__preview1_fd_pread(wasi_ctx *ctx, u32 fd, u32 iovs, u32 iovs_len, u64 offset,
                                       u32 nread_out) {
  return wasi_fd_pread(ctx, fd, iovs, iovs_len, offset, nread_out);
}
u32 w2c_wasi__snapshot__preview1_fd_prestat_get(wasi_ctx *ctx, u32 fd, u32 prestat_out) {
  return wasi_fd_prestat_get(ctx, fd, prestat_out);
}
u32 w2c_wasi__snapshot__preview1_fd_prestat_dir_name(wasi_ctx *ctx, u32 fd, u32 path, u32 path_len) {
  return wasi_fd_prestat_dir_name(ctx, fd, path, path_len);
}
u32 w2c_wasi__snapshot__preview1_fd_pwrite(wasi_ctx *ctx, u32 fd, u32 iovs, u32 iovs_len, u64 offset,
                                        u32 nwritten_out) {
  return wasi_fd_pwrite(ctx, fd, iovs, iovs_len, offset, nwritten_out);
}
u32 w2c_wasi__snapshot__preview1_fd_read(wasi_ctx *ctx, u32 fd, u32 iovs, u32 iovs_len,
                                      u32 nread_out) {
  return wasi_fd_read(ctx, fd, iovs, iovs_len, nread_out);
}
u32 w2c_wasi__snapshot__preview1_fd_readdir(wasi_ctx *ctx, u32 fd, u32 buf, u32 buf_len, u64 cookie,
                                         u32 bufused_out) {
  return wasi_fd_readdir(ctx, fd, buf, buf_len, cookie, bufused_out);
}
u32 w2c_wasi__snapshot__preview1_fd_renumber(wasi_ctx *ctx, u32 fd, u32 to) {
  return wasi_fd_renumber(ctx, fd, to);
}
u32 w2c_wasi__snapshot__preview1_fd_seek(wasi_ctx *ctx, u32 fd, u64 offset, u32 whence,
                                      u32 newoffset_out) {
  return wasi_fd_seek(ctx, fd, offset, whence, newoffset_out);
}
u32 w2c_wasi__snapshot__preview1_fd_sync(wasi_ctx *ctx, u32 fd) {
  return wasi_fd_sync(ctx, fd);
}
u32 w2c_wasi__snapshot__preview1_fd_tell(wasi_ctx *ctx, u32 fd, u32 offset_out) {
  return wasi_fd_tell(ctx, fd, offset_out);
}
u32 w2c_wasi__snapshot__preview1_fd_write(wasi_ctx *ctx, u32 fd, u32 iovs, u32 iovs_len,
                                       u32 nwritten_out) {
  return wasi_fd_write(ctx, fd, iovs, iovs_len, nwritten_out);
}
u32 w2c_wasi__snapshot__preview1_path_create_directory(wasi_ctx *ctx, u32 fd, u32 path, u32 path_len) {
  return wasi_path_create_directory(ctx, fd, path, path_len);
}
u32 w2c_wasi__snapshot__preview1_path_filestat_get(wasi_ctx *ctx, u32 fd, u32 flags, u32 path,
                                                u32 path_len, u32 filestat_out) {
  return wasi_path_filestat_get(ctx, fd, flags, path, path_len, filestat_out);
}
u32 w2c_wasi__snapshot__preview1_path_filestat_set_times(wasi_ctx *ctx, u32 fd, u32 flags, u32 path,
                                                      u32 path_len, u64 atim, u64 mtim,
                                                      u32 fst_flags) {
  return wasi_path_filestat_set_times(ctx, fd, flags, path, path_len, atim, mtim, fst_flags);
}
u32 w2c_wasi__snapshot__preview1_path_link(wasi_ctx *ctx, u32 old_fd, u32 old_flags, u32 old_path,
                                        u32 old_path_len, u32 new_fd, u32 new_path,
                                        u32 new_path_len) {
  return wasi_path_link(ctx, old_fd, old_flags, old_path, old_path_len, new_fd, new_path,
                        new_path_len);
}
u32 w2c_wasi__snapshot__preview1_path_open(wasi_ctx *ctx, u32 fd, u32 dirflags, u32 path, u32 path_len,
                                        u32 oflags, u64 rights_base, u64 rights_inheriting,
                                        u32 fdflags, u32 fd_out) {
  return wasi_path_open(ctx, fd, dirflags, path, path_len, oflags, rights_base, rights_inheriting,
                        fdflags, fd_out);
}
u32 w2c_wasi__snapshot__preview1_path_readlink(wasi_ctx *ctx, u32 fd, u32 path, u32 path_len, u32 buf,
                                            u32 buf_len, u32 bufused_out) {
  return wasi_path_readlink(ctx, fd, path, path_len, buf, buf_len, bufused_out);
}
u32 w2c_wasi__snapshot__preview1_path_remove_directory(wasi_ctx *ctx, u32 fd, u32 path, u32 path_len) {
  return wasi_path_remove_directory(ctx, fd, path, path_len);
}
u32 w2c_wasi__snapshot__preview1_path_rename(wasi_ctx *ctx, u32 fd, u32 old_path, u32 old_path_len,
                                          u32 new_fd, u32 new_path, u32 new_path_len) {
  return wasi_path_rename(ctx, fd, old_path, old_path_len, new_fd, new_path, new_path_len);
}
u32 w2c_wasi__snapshot__preview1_path_symlink(wasi_ctx *ctx, u32 old_path, u32 old_path_len, u32 fd,
                                           u32 new_path, u32 new_path_len) {
  return wasi_path_symlink(ctx, old_path, old_path_len, fd, new_path, new_path_len);
}
u32 w2c_wasi__snapshot__preview1_path_unlink_file(wasi_ctx *ctx, u32 fd, u32 path, u32 path_len) {
  return wasi_path_unlink_file(ctx, fd, path, path_len);
}
u32 w2c_wasi__snapshot__preview1_poll_oneoff(wasi_ctx *ctx, u32 in, u32 out, u32 nsubscriptions,
                                          u32 nevents_out) {
  return wasi_poll_oneoff(ctx, in, out, nsubscriptions, nevents_out);
}
void w2c_wasi__snapshot__preview1_proc_exit(wasi_ctx *ctx, u32 code) {
  wasi_proc_exit(ctx, code);
}
u32 w2c_wasi__snapshot__preview1_proc_raise(wasi_ctx *ctx, u32 sig) {
  return wasi_proc_raise(ctx, sig);
}
u32 w2c_wasi__snapshot__preview1_sched_yield(wasi_ctx *ctx) {
  return wasi_sched_yield(ctx);
}
u32 w2c_wasi__snapshot__preview1_random_get(wasi_ctx *ctx, u32 buf, u32 buf_len) {
  return wasi_random_get(ctx, buf, buf_len);
}
u32 w2c_wasi__snapshot__preview1_sock_accept(wasi_ctx *ctx, u32 fd, u32 flags, u32 fd_out) {
  return wasi_sock_accept(ctx, fd, flags, fd_out);
}
u32 w2c_wasi__snapshot__preview1_sock_recv(wasi_ctx *ctx, u32 fd, u32 ri_data, u32 ri_data_len,
                                        u32 ri_flags, u32 ro_datalen_out, u32 ro_flags_out) {
  return wasi_sock_recv(ctx, fd, ri_data, ri_data_len, ri_flags, ro_datalen_out, ro_flags_out);
}
u32 w2c_wasi__snapshot__preview1_sock_send(wasi_ctx *ctx, u32 fd, u32 si_data, u32 si_data_len,
                                        u32 si_flags, u32 so_datalen_out) {
  return wasi_sock_send(ctx, fd, si_data, si_data_len, si_flags, so_datalen_out);
}
u32 w2c_wasi__snapshot__preview1_sock_shutdown(wasi_ctx *ctx, u32 fd, u32 how) {
  return wasi_sock_shutdown(ctx, fd, how);
}
