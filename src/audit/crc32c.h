#pragma once

// CRC32C (Castagnoli, polynomial 0x1EDC6F41, reflected; the iSCSI / ext4 / LevelDB CRC).
// Uses the SSE4.2 crc32 instruction when the CPU has it, else a slicing-by-8 table.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gh::audit::crc32c {

// CRC of `data` continuing from `crc` (the CRC of the bytes before it; 0 to start).
uint32_t extend(uint32_t crc, const void* data, size_t n);

inline uint32_t value(const void* data, size_t n) { return extend(0, data, n); }
inline uint32_t value(std::string_view s) { return extend(0, s.data(), s.size()); }

// Whether extend() uses the hardware instruction (for tests and the benchmark).
bool hardware_accelerated();
// The table implementation, always available (tests compare both).
uint32_t extend_portable(uint32_t crc, const void* data, size_t n);

}  // namespace gh::audit::crc32c
