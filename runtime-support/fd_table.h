/* The guest's descriptor table: guest fd → host fd, file type, rights, and preopen name.
 *
 * Guest fds are small integers we hand out (0–2 are stdio, preopens from 3, then the
 * lowest free slot); they never equal host fds by accident, so a guest cannot name a host
 * descriptor it was not given. Rights follow preview1: an operation needs its right in
 * rights_base; a descriptor opened through path_open gets at most the parent's inheriting
 * rights. */
#ifndef WASMAOT_FD_TABLE_H
#define WASMAOT_FD_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "wasi_types.h"

struct wasi_fd_entry {
  bool in_use;
  int host_fd;
  uint8_t filetype; /* WASI_FILETYPE_* */
  wasi_rights_t rights_base;
  wasi_rights_t rights_inheriting;
  char *preopen_name; /* guest path of a pre-opened directory, NULL otherwise */
  void *dir_stream;   /* DIR* for fd_readdir, opened lazily */
  uint64_t dir_pos;   /* cookie of the next entry dir_stream will return */
  /* One of the host's own descriptors 0-2. Its open file description is shared with the
   * parent (the shell's terminal, a pipe, `>> log`): the guest gets a stream's rights on it
   * whatever it is, and its fdflags live here instead of in the host's F_SETFL state. */
  bool host_stdio;
  uint16_t stdio_fdflags; /* host_stdio: the WASI_FDFLAG_APPEND/NONBLOCK the guest sees */
  /* Serve: reads and writes go to this memory stream, not host_fd (a /dev/null that is only
   * fstat'ed and polled); host_stdio is set too, so host_fd is never closed. */
  struct wasi_mem_stream *mem_stream;
};

struct wasi_fd_table {
  struct wasi_fd_entry *entries;
  uint32_t capacity;
};

void fd_table_init(struct wasi_fd_table *t);
void fd_table_free(struct wasi_fd_table *t);

/* Serve (wasi_ctx_snapshot/reset): `dst` becomes a copy of `src` with its own duplicates of
 * the host descriptors (host stdio and memory streams are shared, not duplicated) and its own
 * preopen names. dst must be empty (fd_table_init). 0, or -1 with dst left empty. */
int fd_table_copy(struct wasi_fd_table *dst, const struct wasi_fd_table *src);
/* Whether every slot of `a` holds exactly what `b`'s does (the same host descriptors, rights,
 * flags, the same name strings): `b` a shallow copy of an earlier `a`. */
bool fd_table_same(const struct wasi_fd_table *a, const struct wasi_fd_table *b);

/* Puts host_fd in the lowest free slot (from 0). Takes ownership of host_fd on success only. */
wasi_errno_t fd_table_insert(struct wasi_fd_table *t, int host_fd, uint8_t filetype,
                             wasi_rights_t base, wasi_rights_t inheriting, wasi_fd_t *out);

/* Looks up fd and checks it has every right in `needed`: EBADF if it is not open,
 * ENOTCAPABLE if a right is missing; ESPIPE when the missing right is FD_SEEK or FD_TELL on
 * a host stdio stream (what lseek says on a pipe, and what wasmtime answers). */
wasi_errno_t fd_table_get(struct wasi_fd_table *t, wasi_fd_t fd, wasi_rights_t needed,
                          struct wasi_fd_entry **out);

/* Closes the host descriptor and frees the slot. */
wasi_errno_t fd_table_close(struct wasi_fd_table *t, wasi_fd_t fd);

/* Moves `from` onto `to` (closing what `to` held). Both must be open. */
wasi_errno_t fd_table_renumber(struct wasi_fd_table *t, wasi_fd_t from, wasi_fd_t to);

/* Rights a descriptor of this type can usefully have, used for base and inheriting rights. */
wasi_rights_t fd_rights_for_filetype(uint8_t filetype);

/* Rights of a stream: read, write, fdflags (emulated for stdio), filestat_get, poll. No seek,
 * tell, size, times, allocation, advice or sync: those act on the file behind it. */
wasi_rights_t fd_rights_for_stream(void);

/* True when the guest set NONBLOCK on a host stdio descriptor (emulated, see fd_io.c). */
static inline bool fd_entry_emulates_nonblock(const struct wasi_fd_entry *e) {
  return e->host_stdio && (e->stdio_fdflags & WASI_FDFLAG_NONBLOCK);
}

/* The WASI file type of an open host descriptor (from fstat). */
uint8_t fd_filetype_of_host_fd(int host_fd);

#endif
