/* SHA-256 (FIPS 180-4), our own, so the same C runs natively and as wasm. */
#ifndef WORKLOAD_SHA256_H
#define WORKLOAD_SHA256_H

#include <stddef.h>
#include <stdint.h>

void sha256(const uint8_t *data, size_t len, uint8_t digest[32]);

#endif
