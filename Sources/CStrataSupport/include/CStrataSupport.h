// Small C helpers for StrataCodecs: things Swift cannot express portably.
//
// CRC32C (Castagnoli polynomial 0x1EDC6F41, reflected 0x82F63B78), the
// checksum of every Strata file and record. Uses the SSE4.2 `crc32`
// instruction when the CPU has it (checked once at run time with
// __builtin_cpu_supports) and a slicing-by-8 table otherwise.
#ifndef STRATA_CSUPPORT_H
#define STRATA_CSUPPORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Extends `crc` (the CRC32C of the bytes before, 0 for none) over
/// `length` bytes at `data`. Pre- and post-conditioning (~) are applied
/// inside, so crc32c_extend(crc32c_extend(0, a), b) == crc32c(a ++ b).
uint32_t strata_crc32c_extend(uint32_t crc, const void *data, size_t length);

/// The portable table implementation, exposed so tests can compare both paths.
uint32_t strata_crc32c_extend_portable(uint32_t crc, const void *data, size_t length);

/// 1 when the hardware path is used, 0 otherwise.
int strata_crc32c_hardware_available(void);

/// Returns freed heap memory to the operating system where the C library
/// allows it (glibc's malloc_trim); a no-op elsewhere. Called after flushes
/// and compactions, whose large temporary buffers would otherwise stay resident.
void strata_release_free_memory(void);

#ifdef __cplusplus
}
#endif

#endif
