// Conn::read_some over loopback TCP: a read after the socket was drained waits for the reactor
// instead of trying a recv first (net/drained_read.h), so these check that no data and no end
// of stream is missed on the way, whenever it arrives.

#include "net/conn.h"

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/write.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <optional>
#include <thread>
#include <string>

#include "net/no_throw.h"

namespace gh::net {
namespace {

using asio::ip::tcp;
using namespace std::chrono_literals;

// A connected pair: `conn` (the side under test) and `peer`, a plain blocking socket.
struct Pair {
  asio::io_context ctx;
  tcp::socket peer{ctx};
  std::optional<Conn> conn;

  Pair() {
    tcp::acceptor acceptor(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    peer.connect(acceptor.local_endpoint());
    conn.emplace(acceptor.accept());
  }
  void send(std::string_view s) { asio::write(peer, asio::buffer(s.data(), s.size())); }
  // Runs the loop (and so the reactor) for `d`, with or without other work.
  void run_for(std::chrono::milliseconds d) {
    asio::steady_timer t(ctx, d);
    bool fired = false;
    t.async_wait([&](const asio::error_code&) { fired = true; });
    ctx.restart();
    while (!fired) ctx.run_one();
  }
  // Runs the loop until `done` or 5 s have passed.
  void run_until(const bool& done) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done && std::chrono::steady_clock::now() < deadline) run_for(10ms);
  }
};

// One read_some: what it returned, what it read, and whether it has finished.
struct Read {
  long n = 0;
  std::string text;
  bool done = false;
};

asio::awaitable<void> read_once(Conn& c, Read& r) {
  char buf[64];
  r.n = co_await c.read_some(buf, sizeof buf);
  if (r.n > 0) r.text.assign(buf, static_cast<size_t>(r.n));
  r.done = true;
}

// Starts one read; `r` fills in as the loop runs.
void start_read(Pair& p, Read& r) {
  r = Read{};
  asio::co_spawn(p.ctx, read_once(*p.conn, r), asio::detached);
}

// One read, run to its end (or 5 s).
Read read_now(Pair& p) {
  Read r;
  start_read(p, r);
  p.run_until(r.done);
  return r;
}

TEST(ConnTest, ReadsWhatIsThereAndWaitsForWhatIsNot) {
  Pair p;
  p.send("hello");
  Read r = read_now(p);
  ASSERT_TRUE(r.done);
  EXPECT_EQ(r.n, 5);
  EXPECT_EQ(r.text, "hello");

  // Drained: the next read waits until the peer writes.
  start_read(p, r);
  p.run_for(50ms);
  EXPECT_FALSE(r.done);
  p.send("again");
  p.run_until(r.done);
  ASSERT_TRUE(r.done);
  EXPECT_EQ(r.text, "again");
}

TEST(ConnTest, DataThatArrivesWhileNobodyReadsIsNotMissed) {
  Pair p;
  p.send("one");
  ASSERT_EQ(read_now(p).text, "one");
  // The socket was drained; data arrives and the reactor sees it before anyone reads again.
  p.send("two");
  p.run_for(50ms);
  Read r = read_now(p);
  ASSERT_TRUE(r.done);
  EXPECT_EQ(r.text, "two");
}

TEST(ConnTest, EndOfStreamThatCameWithTheLastDataIsRead) {
  Pair p;
  p.send("bye");
  p.peer.shutdown(tcp::socket::shutdown_send);
  std::this_thread::sleep_for(20ms);
  p.run_for(20ms);  // the reactor sees data and FIN as one readiness event before anyone reads
  ASSERT_EQ(read_now(p).text, "bye");
  Read r = read_now(p);
  ASSERT_TRUE(r.done);
  EXPECT_EQ(r.n, 0);
}

TEST(ConnTest, MoreThanOneBufferIsReadInFull) {
  Pair p;
  const std::string big(1000, 'x');
  p.send(big);
  std::string got;
  bool done = false;
  asio::co_spawn(
      p.ctx,
      [&]() -> asio::awaitable<void> {
        char buf[64];
        while (got.size() < big.size()) {
          long n = co_await p.conn->read_some(buf, sizeof buf);
          if (n <= 0) break;
          got.append(buf, static_cast<size_t>(n));
        }
        done = true;
      },
      asio::detached);
  p.run_until(done);
  EXPECT_EQ(got, big);
}

TEST(ConnTest, CloseEndsAWaitingRead) {
  Pair p;
  Read r;
  start_read(p, r);
  p.run_for(20ms);
  ASSERT_FALSE(r.done);
  p.conn->close();
  p.run_until(r.done);
  ASSERT_TRUE(r.done);
  EXPECT_EQ(r.n, -1);
  EXPECT_EQ(p.conn->error(), "closed");
}

}  // namespace
}  // namespace gh::net
