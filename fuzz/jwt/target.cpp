// The JWT and JWKS parsers on arbitrary bytes, as an attacker controls both the password a
// client sends and (through a compromised or spoofed IdP) the JWKS document. Must never
// crash, hang, leak or allocate without bound. Modes: see fuzz_driver.h.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_driver.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gh::identity::fuzz::run_one({reinterpret_cast<const char*>(data), size});
  return 0;
}
