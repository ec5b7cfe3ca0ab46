// Feeds server-controlled bytes to the SCRAM client: the input is
// "<server-first>\0<server-final>". Without a NUL the whole input is tried as a
// server-first message, and as a server-final message after a valid server-first.
// The client nonce and password are fixed so that seeds can hold valid exchanges.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "pg/protocol/scram.h"

namespace {

constexpr const char* kPassword = "fuzz-password";
constexpr const char* kClientNonce = "fuzzclientnonce0000000000";  // printable, no ','
constexpr const char* kValidServerFirst =
    "r=fuzzclientnonce0000000000serverpart,s=c2FsdHNhbHRzYWx0c2FsdA==,i=16";
// PBKDF2 iterations are the only cost; keep each input fast (range checks above the cap
// are covered by the unit tests).
constexpr uint32_t kFuzzMaxIterations = 64;

void run(std::string_view server_first, std::string_view server_final) {
  gh::pg::ScramClient client(kPassword, kClientNonce);
  client.set_max_iterations(kFuzzMaxIterations);
  gh::Result<std::string> client_final = client.handle_server_first(server_first);
  if (!client_final.ok()) {
    if (client.verify_server_final(server_final).ok()) __builtin_trap();  // no state, no pass
    return;
  }
  // A client-final is "c=biws,r=<nonce>,p=<44 base64 chars>".
  if (client_final->rfind("c=biws,r=fuzzclientnonce0000000000", 0) != 0) __builtin_trap();
  (void)client.verify_server_final(server_final);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nul = input.find('\0');
  if (nul != std::string_view::npos) {
    run(input.substr(0, nul), input.substr(nul + 1));
  } else {
    run(input, input);
    run(kValidServerFirst, input);
  }
  return 0;
}
