/* Host stat ↔ WASI filestat. */
#include "wasi_stat.h"

#include <string.h>

#include "guest_mem.h"

uint8_t wasi_filetype_from_mode(mode_t mode) {
  switch (mode & S_IFMT) {
  case S_IFREG:
    return WASI_FILETYPE_REGULAR_FILE;
  case S_IFDIR:
    return WASI_FILETYPE_DIRECTORY;
  case S_IFCHR:
    return WASI_FILETYPE_CHARACTER_DEVICE;
  case S_IFBLK:
    return WASI_FILETYPE_BLOCK_DEVICE;
  case S_IFLNK:
    return WASI_FILETYPE_SYMBOLIC_LINK;
  case S_IFSOCK:
    return WASI_FILETYPE_SOCKET_STREAM;
  default:
    return WASI_FILETYPE_UNKNOWN;
  }
}

static uint64_t ns(struct timespec t) {
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

wasi_errno_t wasi_stat_write(wasm_rt_memory_t *mem, uint32_t out, const struct stat *st) {
  uint8_t *p = guest_mem_span(mem, out, WASI_FILESTAT_SIZE);
  if (!p)
    return WASI_EFAULT;
  memset(p, 0, WASI_FILESTAT_SIZE);
  guest_mem_write_u64(mem, out + 0, (uint64_t)st->st_dev);
  guest_mem_write_u64(mem, out + 8, (uint64_t)st->st_ino);
  guest_mem_write_u8(mem, out + 16, wasi_filetype_from_mode(st->st_mode));
  guest_mem_write_u64(mem, out + 24, (uint64_t)st->st_nlink);
  guest_mem_write_u64(mem, out + 32, (uint64_t)st->st_size);
  guest_mem_write_u64(mem, out + 40, ns(st->st_atim));
  guest_mem_write_u64(mem, out + 48, ns(st->st_mtim));
  guest_mem_write_u64(mem, out + 56, ns(st->st_ctim));
  return WASI_ESUCCESS;
}

static wasi_errno_t one_time(uint64_t t, int given, int now, struct timespec *ts) {
  if (given && now)
    return WASI_EINVAL;
  if (now) {
    ts->tv_sec = 0;
    ts->tv_nsec = UTIME_NOW;
  } else if (given) {
    ts->tv_sec = (time_t)(t / 1000000000u);
    ts->tv_nsec = (long)(t % 1000000000u);
  } else {
    ts->tv_sec = 0;
    ts->tv_nsec = UTIME_OMIT;
  }
  return WASI_ESUCCESS;
}

wasi_errno_t wasi_stat_times(uint64_t atim, uint64_t mtim, uint32_t fst_flags,
                             struct timespec ts[2]) {
  if (fst_flags & ~(uint32_t)(WASI_FSTFLAG_ATIM | WASI_FSTFLAG_ATIM_NOW | WASI_FSTFLAG_MTIM |
                              WASI_FSTFLAG_MTIM_NOW))
    return WASI_EINVAL;
  wasi_errno_t err =
      one_time(atim, fst_flags & WASI_FSTFLAG_ATIM, fst_flags & WASI_FSTFLAG_ATIM_NOW, &ts[0]);
  return err ? err
             : one_time(mtim, fst_flags & WASI_FSTFLAG_MTIM, fst_flags & WASI_FSTFLAG_MTIM_NOW,
                        &ts[1]);
}
