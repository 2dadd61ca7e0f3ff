/* Host stat ↔ WASI filestat and timestamps, shared by fd_io.c and path_ops.c. */
#ifndef WASMAOT_WASI_STAT_H
#define WASMAOT_WASI_STAT_H

#include <sys/stat.h>
#include <time.h>

#include "wasi_types.h"
#include "wasmaot-runtime.h"

/* Writes a WASI filestat (WASI_FILESTAT_SIZE bytes) for `st` at guest address `out`. */
wasi_errno_t wasi_stat_write(wasm_rt_memory_t *mem, uint32_t out, const struct stat *st);

/* Turns filestat_set_times arguments into utimensat/futimens timespecs (UTIME_OMIT/NOW);
 * EINVAL when a time is both given and "now". */
wasi_errno_t wasi_stat_times(uint64_t atim, uint64_t mtim, uint32_t fst_flags,
                             struct timespec ts[2]);

uint8_t wasi_filetype_from_mode(mode_t mode);

#endif
