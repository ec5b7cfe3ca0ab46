#pragma once

// A TCP read through Asio's reactor that makes no recv the kernel has already said would fail.
//
// Asio 1.22's epoll reactor tries every read speculatively before it waits, and stops doing so
// only after end of stream: on a connection that alternates requests and responses, each
// message costs a second recv that fails with EAGAIN (about 1.4 µs of CPU on a 2-core VM, where
// a gateway transaction costs ~20). The reactor keeps a per-socket "try speculatively" flag that
// every readiness event sets and that an operation clears by reporting `done_and_exhausted`.
// This read reports that when the kernel says nothing is left to read (TCP_INQ: the bytes still
// queued after a recv, non-zero after a FIN, so an end of stream that came with the last data is
// still read at once). The next read then waits for the reactor without trying first; readiness
// that arrives while no read waits sets the flag again, so no wake-up is lost. (async_wait is no
// substitute: Asio re-arms the descriptor with epoll_ctl for every wait, a syscall as well.)
//
// This reaches into Asio's detail namespace (reactor_op, the reactor's start_op, a socket's
// reactor registration), so it is pinned to the Asio version it was written against.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <asio/async_result.hpp>
#include <asio/detail/bind_handler.hpp>
#include <asio/detail/fenced_block.hpp>
#include <asio/detail/handler_alloc_helpers.hpp>
#include <asio/detail/handler_cont_helpers.hpp>
#include <asio/detail/handler_work.hpp>
#include <asio/detail/memory.hpp>
#include <asio/detail/reactor.hpp>
#include <asio/detail/reactor_op.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/version.hpp>

#include <cerrno>
#include <cstring>
#include <utility>

static_assert(ASIO_VERSION / 100 == 1022,
              "net/drained_read.h uses Asio 1.22's reactor internals; check them for this version");

namespace gh::net {

namespace drained_detail {

using asio::detail::reactor_op;

// A socket's reactor registration is a protected member of asio::basic_socket.
struct SocketAccess : asio::ip::tcp::socket {
  static auto& implementation(asio::ip::tcp::socket& s) {
    return (s.*(&SocketAccess::impl_)).get_implementation();
  }
};

// One recv into the buffer. `inq`: the socket reports the bytes left (TCP_INQ).
inline reactor_op::status read_once(int fd, char* buf, size_t cap, bool inq, asio::error_code& ec,
                                    size_t& bytes) {
  char control[CMSG_SPACE(sizeof(int))];
  iovec iov{buf, cap};
  while (true) {
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (inq) {
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
    }
    ssize_t n = ::recvmsg(fd, &msg, 0);
    if (n > 0) {
      bytes = static_cast<size_t>(n);
      if (!inq) return reactor_op::done;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_TCP || c->cmsg_type != TCP_CM_INQ) continue;
        int left = 0;
        std::memcpy(&left, CMSG_DATA(c), sizeof left);
        return left == 0 ? reactor_op::done_and_exhausted : reactor_op::done;
      }
      return reactor_op::done;
    }
    if (n == 0) {
      ec = asio::error::eof;
      return reactor_op::done_and_exhausted;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return reactor_op::not_done;
    ec = asio::error_code(errno, asio::error::get_system_category());
    return reactor_op::done;
  }
}

// Asio's reactive_socket_recv_op, with read_once as its perform step.
template <typename Handler, typename IoExecutor>
class ReadOp : public reactor_op {
 public:
  ASIO_DEFINE_HANDLER_PTR(ReadOp);

  ReadOp(int fd, char* buf, size_t cap, bool inq, Handler& handler, const IoExecutor& io_ex)
      : reactor_op(asio::error_code(), &ReadOp::do_perform, &ReadOp::do_complete),
        fd_(fd),
        buf_(buf),
        cap_(cap),
        inq_(inq),
        handler_(std::move(handler)),
        work_(handler_, io_ex) {}

  static status do_perform(reactor_op* base) {
    auto* o = static_cast<ReadOp*>(base);
    return read_once(o->fd_, o->buf_, o->cap_, o->inq_, o->ec_, o->bytes_transferred_);
  }

  static void do_complete(void* owner, asio::detail::operation* base, const asio::error_code&,
                          std::size_t) {
    auto* o = static_cast<ReadOp*>(base);
    ptr p = {asio::detail::addressof(o->handler_), o, o};
    asio::detail::handler_work<Handler, IoExecutor> w(std::move(o->work_));
    // The handler is moved out before the operation's memory is freed for reuse.
    asio::detail::binder2<Handler, asio::error_code, std::size_t> handler(
        o->handler_, o->ec_, o->bytes_transferred_);
    p.h = asio::detail::addressof(handler.handler_);
    p.reset();
    if (owner) {
      asio::detail::fenced_block b(asio::detail::fenced_block::half);
      w.complete(handler, handler.handler_);
    }
  }

 private:
  int fd_;
  char* buf_;
  size_t cap_;
  bool inq_;
  Handler handler_;
  asio::detail::handler_work<Handler, IoExecutor> work_;
};

}  // namespace drained_detail

// Reads one TCP socket. The socket must be open and non-blocking, and outlive the reader.
// A read in flight is ended by closing the socket (operation_aborted); there is no
// per-operation cancellation.
class DrainedReader {
 public:
  explicit DrainedReader(asio::ip::tcp::socket& socket)
      : socket_(socket),
        reactor_(asio::use_service<asio::detail::reactor>(
            asio::query(socket.get_executor(), asio::execution::context))) {
    int one = 1;
    // Without TCP_INQ (kernels before 4.18) every read is tried first, as Asio does.
    inq_ = ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_INQ, &one, sizeof one) == 0;
  }

  // Completes with (error, bytes): 1..cap bytes, or asio::error::eof at end of stream.
  template <typename Token>
  auto async_read_some(char* buf, size_t cap, Token&& token) {
    return asio::async_initiate<Token, void(asio::error_code, std::size_t)>(
        [this](auto handler, char* into, size_t size) {
          using Handler = std::decay_t<decltype(handler)>;
          using Op = drained_detail::ReadOp<Handler, asio::ip::tcp::socket::executor_type>;
          auto& impl = drained_detail::SocketAccess::implementation(socket_);
          const bool is_continuation = asio_handler_cont_helpers::is_continuation(handler);
          typename Op::ptr p = {asio::detail::addressof(handler), Op::ptr::allocate(handler), 0};
          p.p = new (p.v) Op(impl.socket_, into, size, inq_, handler, socket_.get_executor());
          reactor_.start_op(asio::detail::reactor::read_op, impl.socket_, impl.reactor_data_, p.p,
                            is_continuation, /*allow_speculative=*/true);
          p.v = p.p = 0;
        },
        token, buf, cap);
  }

 private:
  asio::ip::tcp::socket& socket_;
  asio::detail::reactor& reactor_;
  bool inq_ = false;
};

}  // namespace gh::net
