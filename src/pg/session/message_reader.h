#pragma once

// Reading whole messages during the startup phases, where a copy per message is
// fine. The relay loop does not use this: it views messages in place.

#include <asio/awaitable.hpp>

#include <string>

#include "common/byte_buffer.h"
#include "common/status.h"
#include "net/conn.h"

namespace gh::pg {

struct OwnedMessage {
  char type = 0;
  std::string body;
};

// Reads one typed message. Io on end of stream or socket error, Corruption on a
// malformed length.
asio::awaitable<Result<OwnedMessage>> read_message(net::Conn& conn, ByteBuffer& buf,
                                                   uint32_t max_size);
// Reads and drops `n` bytes (those in `buf` first): skipping a message too large to keep, so
// that the peer, still writing it, can read the error that follows.
asio::awaitable<Status> discard_bytes(net::Conn& conn, ByteBuffer& buf, uint64_t n);
// Reads one untyped startup-phase packet (StartupMessage, SSLRequest, …).
asio::awaitable<Result<OwnedMessage>> read_startup_packet(net::Conn& conn, ByteBuffer& buf);

}  // namespace gh::pg
