/* The guest's descriptor table. See fd_table.h. */
#include "fd_table.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi_stat.h"
#include "wasmaot-runtime.h"

void fd_table_init(struct wasi_fd_table *t) {
  t->entries = NULL;
  t->capacity = 0;
}

static void entry_release(struct wasi_fd_entry *e) {
  if (e->dir_stream)
    closedir(e->dir_stream); /* closes host_fd too: it owns a dup */
  if (!e->host_stdio) /* the host's own 0-2 stay open for the host, whatever the guest does */
    close(e->host_fd);
  free(e->preopen_name);
  memset(e, 0, sizeof *e);
}

void fd_table_free(struct wasi_fd_table *t) {
  for (uint32_t i = 0; i < t->capacity; i++)
    if (t->entries[i].in_use)
      entry_release(&t->entries[i]);
  free(t->entries);
  t->entries = NULL;
  t->capacity = 0;
}

int fd_table_copy(struct wasi_fd_table *dst, const struct wasi_fd_table *src) {
  fd_table_init(dst);
  if (src->capacity == 0)
    return 0;
  dst->entries = calloc(src->capacity, sizeof *dst->entries);
  if (!dst->entries)
    return -1;
  dst->capacity = src->capacity;
  for (uint32_t i = 0; i < src->capacity; i++) {
    const struct wasi_fd_entry *s = &src->entries[i];
    if (!s->in_use)
      continue;
    struct wasi_fd_entry *d = &dst->entries[i];
    *d = *s;
    d->dir_stream = NULL; /* opened again lazily; its position is not the pristine state */
    d->dir_pos = 0;
    d->preopen_name = NULL;
    if (!s->host_stdio) {
      d->host_fd = fcntl(s->host_fd, F_DUPFD_CLOEXEC, 3);
      if (d->host_fd < 0) {
        d->in_use = false;
        fd_table_free(dst);
        return -1;
      }
    }
    if (s->preopen_name && !(d->preopen_name = strdup(s->preopen_name))) {
      fd_table_free(dst);
      return -1;
    }
  }
  return 0;
}

bool fd_table_same(const struct wasi_fd_table *a, const struct wasi_fd_table *b) {
  if (a->capacity != b->capacity)
    return false;
  for (uint32_t i = 0; i < a->capacity; i++) {
    const struct wasi_fd_entry *x = &a->entries[i], *y = &b->entries[i];
    if (x->in_use != y->in_use)
      return false;
    if (x->in_use &&
        (x->host_fd != y->host_fd || x->filetype != y->filetype ||
         x->rights_base != y->rights_base || x->rights_inheriting != y->rights_inheriting ||
         x->preopen_name != y->preopen_name || x->dir_stream != y->dir_stream ||
         x->dir_pos != y->dir_pos || x->host_stdio != y->host_stdio ||
         x->stdio_fdflags != y->stdio_fdflags || x->mem_stream != y->mem_stream))
      return false;
  }
  return true;
}

static wasi_errno_t ensure_capacity(struct wasi_fd_table *t, uint32_t want) {
  if (want <= t->capacity)
    return WASI_ESUCCESS;
  if (want > WASMAOT_MAX_FDS)
    return WASI_EMFILE;
  uint32_t cap = t->capacity ? t->capacity : 16;
  while (cap < want)
    cap *= 2;
  if (cap > WASMAOT_MAX_FDS)
    cap = WASMAOT_MAX_FDS;
  struct wasi_fd_entry *e = realloc(t->entries, cap * sizeof *e);
  if (!e)
    return WASI_ENOMEM;
  memset(e + t->capacity, 0, (cap - t->capacity) * sizeof *e);
  t->entries = e;
  t->capacity = cap;
  return WASI_ESUCCESS;
}

wasi_errno_t fd_table_insert(struct wasi_fd_table *t, int host_fd, uint8_t filetype,
                             wasi_rights_t base, wasi_rights_t inheriting, wasi_fd_t *out) {
  uint32_t slot = 0;
  while (slot < t->capacity && t->entries[slot].in_use)
    slot++;
  wasi_errno_t err = ensure_capacity(t, slot + 1);
  if (err)
    return err;
  struct wasi_fd_entry *e = &t->entries[slot];
  memset(e, 0, sizeof *e);
  e->in_use = true;
  e->host_fd = host_fd;
  e->filetype = filetype;
  e->rights_base = base;
  e->rights_inheriting = inheriting;
  *out = slot;
  return WASI_ESUCCESS;
}

wasi_errno_t fd_table_get(struct wasi_fd_table *t, wasi_fd_t fd, wasi_rights_t needed,
                          struct wasi_fd_entry **out) {
  if (fd >= t->capacity || !t->entries[fd].in_use)
    return WASI_EBADF;
  struct wasi_fd_entry *e = &t->entries[fd];
  wasi_rights_t missing = needed & ~e->rights_base;
  if (missing & (WASI_RIGHT_FD_SEEK | WASI_RIGHT_FD_TELL) && e->host_stdio)
    return WASI_ESPIPE;
  if (missing)
    return WASI_ENOTCAPABLE;
  *out = e;
  return WASI_ESUCCESS;
}

wasi_errno_t fd_table_close(struct wasi_fd_table *t, wasi_fd_t fd) {
  if (fd >= t->capacity || !t->entries[fd].in_use)
    return WASI_EBADF;
  entry_release(&t->entries[fd]);
  return WASI_ESUCCESS;
}

wasi_errno_t fd_table_renumber(struct wasi_fd_table *t, wasi_fd_t from, wasi_fd_t to) {
  if (from >= t->capacity || !t->entries[from].in_use || to >= t->capacity ||
      !t->entries[to].in_use)
    return WASI_EBADF;
  if (from == to)
    return WASI_ESUCCESS;
  entry_release(&t->entries[to]);
  t->entries[to] = t->entries[from];
  memset(&t->entries[from], 0, sizeof t->entries[from]);
  return WASI_ESUCCESS;
}

wasi_rights_t fd_rights_for_stream(void) {
  return WASI_RIGHT_FD_READ | WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_FDSTAT_SET_FLAGS |
         WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_POLL_FD_READWRITE;
}

wasi_rights_t fd_rights_for_filetype(uint8_t filetype) {
  const wasi_rights_t io = fd_rights_for_stream();
  switch (filetype) {
  case WASI_FILETYPE_DIRECTORY:
    return WASI_RIGHT_FD_FDSTAT_SET_FLAGS | WASI_RIGHT_FD_SYNC | WASI_RIGHT_FD_ADVISE |
           WASI_RIGHT_PATH_CREATE_DIRECTORY | WASI_RIGHT_PATH_CREATE_FILE |
           WASI_RIGHT_PATH_LINK_SOURCE | WASI_RIGHT_PATH_LINK_TARGET | WASI_RIGHT_PATH_OPEN |
           WASI_RIGHT_FD_READDIR | WASI_RIGHT_PATH_READLINK | WASI_RIGHT_PATH_RENAME_SOURCE |
           WASI_RIGHT_PATH_RENAME_TARGET | WASI_RIGHT_PATH_FILESTAT_GET |
           WASI_RIGHT_PATH_FILESTAT_SET_SIZE | WASI_RIGHT_PATH_FILESTAT_SET_TIMES |
           WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_FD_FILESTAT_SET_TIMES | WASI_RIGHT_PATH_SYMLINK |
           WASI_RIGHT_PATH_REMOVE_DIRECTORY | WASI_RIGHT_PATH_UNLINK_FILE;
  case WASI_FILETYPE_REGULAR_FILE:
    return WASI_RIGHTS_ALL &
           ~(WASI_RIGHT_PATH_CREATE_DIRECTORY | WASI_RIGHT_PATH_CREATE_FILE |
             WASI_RIGHT_PATH_LINK_SOURCE | WASI_RIGHT_PATH_LINK_TARGET | WASI_RIGHT_PATH_OPEN |
             WASI_RIGHT_FD_READDIR | WASI_RIGHT_PATH_READLINK | WASI_RIGHT_PATH_RENAME_SOURCE |
             WASI_RIGHT_PATH_RENAME_TARGET | WASI_RIGHT_PATH_FILESTAT_GET |
             WASI_RIGHT_PATH_FILESTAT_SET_SIZE | WASI_RIGHT_PATH_FILESTAT_SET_TIMES |
             WASI_RIGHT_PATH_SYMLINK | WASI_RIGHT_PATH_REMOVE_DIRECTORY |
             WASI_RIGHT_PATH_UNLINK_FILE | WASI_RIGHT_SOCK_SHUTDOWN | WASI_RIGHT_SOCK_ACCEPT);
  case WASI_FILETYPE_SOCKET_STREAM:
  case WASI_FILETYPE_SOCKET_DGRAM:
    return io | WASI_RIGHT_SOCK_SHUTDOWN | WASI_RIGHT_SOCK_ACCEPT;
  default: /* character devices, pipes, ttys: stream I/O only */
    return io;
  }
}

uint8_t fd_filetype_of_host_fd(int host_fd) {
  struct stat st;
  if (fstat(host_fd, &st) != 0)
    return WASI_FILETYPE_UNKNOWN;
  return wasi_filetype_from_mode(st.st_mode); /* FIFOs: preview1 has no type for them */
}
