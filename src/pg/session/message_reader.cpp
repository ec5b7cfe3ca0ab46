#include "pg/session/message_reader.h"

#include <algorithm>

#include "pg/protocol/frame.h"

namespace gh::pg {

namespace {

asio::awaitable<Result<OwnedMessage>> read_any(net::Conn& conn, ByteBuffer& buf, bool startup,
                                               uint32_t max_size) {
  while (true) {
    FrameResult r =
        startup ? next_startup_frame(buf.readable()) : next_frame(buf.readable(), max_size);
    if (r.status == FrameStatus::kFrame) {
      OwnedMessage m{r.frame.type, std::string(r.frame.body)};
      buf.consume(r.consumed);
      co_return m;
    }
    if (r.status == FrameStatus::kError) co_return Status::Corruption(r.error);
    if (r.wanted > 0) buf.reserve_message(r.wanted);
    char* p = buf.writable(4096);
    long n = co_await conn.read_some(p, buf.writable_size());
    if (n == 0) co_return Status::Io("connection closed");
    if (n < 0) co_return Status::Io(conn.error());
    buf.commit(static_cast<size_t>(n));
  }
}

}  // namespace

asio::awaitable<Result<OwnedMessage>> read_message(net::Conn& conn, ByteBuffer& buf,
                                                   uint32_t max_size) {
  return read_any(conn, buf, false, max_size);
}

asio::awaitable<Status> discard_bytes(net::Conn& conn, ByteBuffer& buf, uint64_t n) {
  while (n > 0) {
    if (!buf.empty()) {
      size_t take = static_cast<size_t>(std::min<uint64_t>(n, buf.readable().size()));
      buf.consume(take);
      n -= take;
      continue;
    }
    char* p = buf.writable(16384);
    long got = co_await conn.read_some(p, buf.writable_size());
    if (got == 0) co_return Status::Io("connection closed");
    if (got < 0) co_return Status::Io(conn.error());
    buf.commit(static_cast<size_t>(got));
  }
  co_return Status::Ok();
}

asio::awaitable<Result<OwnedMessage>> read_startup_packet(net::Conn& conn, ByteBuffer& buf) {
  return read_any(conn, buf, true, 0);
}

}  // namespace gh::pg
