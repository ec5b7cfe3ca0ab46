// The identity provider's documents on arbitrary bytes: the JWKS, the OpenID discovery
// document and the URLs in it. A compromised or spoofed provider controls all three; the
// parsers must never crash, hang, leak or allocate without bound. Modes: see jwks_driver.h.

#include <cstddef>
#include <cstdint>

#include "jwks_driver.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gh::identity::fuzz_idp::run_one({reinterpret_cast<const char*>(data), size});
  return 0;
}
