#include "server/client_session.hpp"

#include <array>
#include <tuple>

#include <linux/sockios.h>
#include <sys/ioctl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "geo/timestamp.hpp"
#include "herd/peer_message.hpp"
#include "protocol/command.hpp"
#include "protocol/reply.hpp"
#include "server/log.hpp"

namespace herd::server {
namespace {

namespace asio = boost::asio;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr auto drain_timeout = std::chrono::seconds(2);
constexpr auto drain_poll = std::chrono::milliseconds(10); // how often a closing connection looks again
constexpr int drain_reads_per_turn = 4; // of the shared read buffer, each time it looks
constexpr std::size_t kept_buffer_bytes = 4096; // input or output storage an idle session may keep

} // namespace

client_session::client_session(asio::ip::tcp::socket socket, std::uint64_t id, request_handler& handler,
                               const config::limits_config& limits, member_logger& log,
                               std::span<char> read_buffer, waiting_output& waiting, peer_hook on_peer)
    : socket_(std::move(socket)), id_(id), handler_(handler), limits_(limits), log_(log), read_buffer_(read_buffer),
      waiting_(waiting), splitter_(limits.max_line_bytes), idle_timer_(socket_.get_executor()), on_peer_(std::move(on_peer)) {}

void client_session::touch() {
    const auto now = std::chrono::steady_clock::now();
    deadline_ = now + limits_.idle_timeout;
    if (splitter_.pending() == 0) {
        line_started_.reset();
    } else if (!line_started_ || line_completed_) {
        line_started_ = now; // what is buffered began with the latest read, after the last line end
    }
    line_completed_ = false;
    if (line_started_) {
        deadline_ = std::min(deadline_, *line_started_ + limits_.line_timeout);
    }
    if (deadline_ < idle_timer_.expiry()) {
        idle_timer_.cancel(); // the watchdog re-arms for the nearer deadline
    }
}

void client_session::stop() {
    stopping_ = true;
    if (reading_) {
        boost::system::error_code ignored;
        socket_.cancel(ignored); // only the read is pending: nothing read is left unanswered
    }
}

void client_session::close() {
    boost::system::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    idle_timer_.cancel();
}

asio::awaitable<void> client_session::run() {
    boost::system::error_code ec;
    const auto peer = socket_.remote_endpoint(ec);
    log_.info("client {} connected from {}:{}", id_, peer.address().to_string(), peer.port());
    socket_.non_blocking(true, ec); // flush() writes at once what the socket takes
    touch();
    arm_watchdog();

    // Why the connection ended, when it is an error or a limit; else empty, and the log says
    // whether the client closed it or the member is stopping. (Those two reasons are not put
    // in the string: "closed by client" does not fit its inline buffer, a heap block each.)
    std::string reason;
    bool broken = false; // a read or write failed: nothing more can reach the client
    while (!stopping_) {
        // Wait until there is something to read, then read it into the shared buffer. (Asio
        // re-arms epoll for each wait; async_read_some into a buffer of the session's own would
        // instead try a speculative recv that returns EAGAIN: as many system calls, no faster
        // when measured, and an idle connection would hold its buffer.)
        reading_ = true;
        auto [read_error] = co_await socket_.async_wait(asio::ip::tcp::socket::wait_read, use_tuple);
        reading_ = false;
        std::size_t n = 0;
        const geo::nanoseconds arrival = geo::now_ns(); // every line of this read arrived now
        if (!read_error) {
            n = socket_.read_some(asio::buffer(read_buffer_.data(), read_buffer_.size()), read_error);
            if (read_error == asio::error::would_block) {
                continue;
            }
        }
        const bool end_of_stream = read_error == asio::error::eof;
        if (read_error && !end_of_stream) {
            broken = read_error != asio::error::operation_aborted; // else the stop (or the watchdog) ended the wait
            reason = broken ? read_error.message() : "closed by member";
            break;
        }
        splitter_.feed(std::string_view(read_buffer_.data(), n)); // the shared buffer is free again
        // Answer what was read, writing whenever the replies reach the output bound.
        bool more = true;
        bool written = true;
        while (more && written) {
            answering_ = true;
            more = co_await answer_lines(end_of_stream, arrival);
            answering_ = false;
            if (peer_hello_) {
                log_.info("client {} is a peer: handing over", id_);
                idle_timer_.cancel();
                socket_.non_blocking(false, ec); // as the peer hub expects a socket
                on_peer_(std::move(socket_), std::move(*peer_hello_), splitter_.take_rest());
                co_return;
            }
            written = co_await flush();
        }
        if (!written) {
            reason = dropped_for_memory_ ? "its waiting replies dropped (limits.waiting_output_mib)" : "write failed";
            broken = true;
            break;
        }
        splitter_.release_excess(kept_buffer_bytes); // every line read is answered and written
        if (out_.capacity() > kept_buffer_bytes) {
            std::string().swap(out_); // the room of a burst of replies: not kept while waiting
        }
        touch(); // what is left buffered now is a partial line, if anything
        if (too_long_) {
            reason = "line longer than " + std::to_string(limits_.max_line_bytes) + " bytes";
            break;
        }
        if (end_of_stream) {
            socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
            break;
        }
    }
    if (too_long_ || (stopping_ && !broken && socket_.is_open())) {
        co_await let_replies_arrive(); // the client may have sent more than was read
    }
    close();
    log_.info("client {} disconnected: {}", id_,
              !reason.empty() ? std::string_view(reason) : stopping_ ? "member stopping" : "closed by client");
}

asio::awaitable<bool> client_session::answer_lines(bool end_of_stream, geo::nanoseconds arrival) {
    for (;;) {
        std::string_view line;
        auto status = splitter_.next(line);
        if (status == protocol::line_splitter::status::need_more && end_of_stream) {
            status = splitter_.finish(line);
        }
        if (status == protocol::line_splitter::status::need_more) {
            co_return false;
        }
        line_completed_ = true;
        if (std::exchange(first_line_, false) && status == protocol::line_splitter::status::line && on_peer_ &&
            peer::opens_handshake(line)) {
            peer_hello_ = std::string(line);
            co_return false;
        }
        log_.traffic(id_, '<', line);
        const std::size_t reply_start = out_.size();
        bool waited = false;
        if (status == protocol::line_splitter::status::too_long) {
            too_long_ = true;
            protocol::append_invalid_reply(out_, protocol::trim(line));
        } else {
            waited = co_await handler_.handle(line, arrival, out_);
        }
        if (out_.size() > reply_start) {
            log_.traffic(id_, '>', std::string_view(out_).substr(reply_start));
        }
        if (too_long_) {
            co_return false;
        }
        if (out_.size() >= limits_.max_output_bytes || waited) {
            co_return true; // write these before answering more (and before another wait upstream)
        }
    }
}

asio::awaitable<void> client_session::let_replies_arrive() {
    boost::system::error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec); // FIN after the last reply
    // Once the FIN is queued it counts as one byte not yet acknowledged.
    const int settled = ec ? 0 : 1;
    const auto give_up = std::chrono::steady_clock::now() + drain_timeout;
    deadline_ = give_up + drain_timeout; // the watchdog stays out of it: this loop ends first
    idle_timer_.cancel();                // (it re-arms for the new deadline)
    asio::steady_timer pause(socket_.get_executor());
    while (std::chrono::steady_clock::now() < give_up) {
        // What the client still sends is discarded unread, a bounded amount each turn, so a
        // client sending as fast as it can does not keep the event loop here.
        for (int read = 0; read < drain_reads_per_turn && !ec; ++read) {
            socket_.read_some(asio::buffer(read_buffer_.data(), read_buffer_.size()), ec);
        }
        if (ec && ec != asio::error::would_block) {
            co_return; // the client closed its side (nothing more can come), or the connection broke
        }
        ec.clear();
        int unacknowledged = 0;
        if (::ioctl(socket_.native_handle(), SIOCOUTQ, &unacknowledged) != 0 || unacknowledged <= settled) {
            co_return; // the client's kernel has every reply: a reset can no longer lose one
        }
        pause.expires_after(drain_poll);
        co_await pause.async_wait(use_tuple);
    }
}

asio::awaitable<bool> client_session::flush() {
    if (out_.empty()) {
        co_return true;
    }
    // Most replies fit in the socket's buffer: write them at once, without suspending or
    // touching the watchdog (the socket is non-blocking, so this never waits).
    boost::system::error_code error;
    const std::size_t written = socket_.write_some(asio::buffer(out_), error);
    if (error == asio::error::would_block) {
        error.clear();
    }
    if (!error && written < out_.size()) {
        // A client that does not take its replies within the send timeout is dropped.
        deadline_ = std::chrono::steady_clock::now() + limits_.send_timeout;
        writing_ = true;
        idle_timer_.cancel(); // the watchdog re-arms for the nearer deadline
        // While it waits, the session holds its replies and the rest of its last read.
        waiting_.hold(id_, out_.capacity() + splitter_.capacity_bytes(), [self = weak_from_this()](std::size_t held) {
            if (const auto session = self.lock()) {
                session->drop_for_memory(held);
            }
        });
        try {
            std::tie(error, std::ignore) = co_await asio::async_write(
                socket_, asio::buffer(out_.data() + written, out_.size() - written), use_tuple);
        } catch (...) { // out of memory, say: the session ends, and holds nothing
            waiting_.release(id_);
            throw;
        }
        waiting_.release(id_);
        writing_ = false;
    }
    out_.clear();
    touch();
    co_return !error && !dropped_for_memory_; // dropped after the write ended, before it resumed: as good as failed
}

void client_session::drop_for_memory(std::size_t held) {
    log_.warn("client {} not reading: its {} bytes of waiting replies were the most when all clients' passed {} MiB "
              "(limits.waiting_output_mib): closing",
              id_, held, waiting_.max_bytes() >> 20);
    dropped_for_memory_ = true;
    close();
}

void client_session::arm_watchdog() {
    idle_timer_.expires_at(deadline_);
    idle_timer_.async_wait([self = shared_from_this()](const boost::system::error_code&) { self->on_watchdog(); });
}

void client_session::on_watchdog() {
    if (!socket_.is_open()) {
        return; // closed, or handed over to the peer hub
    }
    const auto now = std::chrono::steady_clock::now();
    if (answering_) {
        // The client is owed replies to lines it sent (a look-up may take places.timeout_ms),
        // not a timeout: look again later. touch() sets the deadline once they are written.
        deadline_ = std::max(deadline_, now + limits_.idle_timeout);
        arm_watchdog();
        return;
    }
    if (now < deadline_) {
        arm_watchdog(); // the deadline moved (touch() cancels the wait when it comes nearer)
        return;
    }
    if (writing_) {
        log_.warn("client {} not reading: reply not taken within {} ms (limits.send_timeout_ms): closing", id_,
                  limits_.send_timeout.count());
    } else if (line_started_) {
        log_.warn("client {} too slow: line not finished within {} ms (limits.line_timeout_ms): closing", id_,
                  limits_.line_timeout.count());
    } else {
        log_.info("client {} idle for {} ms: closing", id_, limits_.idle_timeout.count());
    }
    close();
}

} // namespace herd::server
