/* Host errno → WASI errno. */
#ifndef WASMAOT_WASI_ERRNO_H
#define WASMAOT_WASI_ERRNO_H

#include "wasi_types.h"

wasi_errno_t wasi_errno_from_host(int host_errno);
/* The current host errno, translated. */
wasi_errno_t wasi_errno_last(void);

#endif
