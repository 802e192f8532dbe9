#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "geo/timestamp.hpp"
#include "herd/config.hpp"
#include "protocol/line_splitter.hpp"
#include "server/log.hpp"
#include "server/request_handler.hpp"
#include "server/waiting_output.hpp"

namespace herd::server {

// One client connection: reads lines, answers each in order (one write per batch of lines
// read together, or per limits.max_output_bytes of replies), answers a final unterminated
// line at end of stream, enforces the line limit, the idle timeout and the send timeout (a
// client that does not read is not read from, then dropped; so is one whose waiting replies
// are the largest when all clients' together pass limits.waiting_output_mib). Runs as a coroutine on the
// member's event loop, with a timer handler as its watchdog.
class client_session : public std::enable_shared_from_this<client_session> {
public:
    // Takes a connection whose first line opened a peer handshake: the socket, that line,
    // and the bytes read after it.
    using peer_hook = std::function<void(boost::asio::ip::tcp::socket, std::string, std::string)>;

    // `read_buffer` is the member's, shared by all its sessions: a session reads into it only
    // once the socket is readable and empties it before it next suspends, so an idle
    // connection holds no read buffer of its own. `waiting` is the member's too: a write that
    // waits for the client holds its replies' room there.
    client_session(boost::asio::ip::tcp::socket socket, std::uint64_t id, request_handler& handler,
                   const config::limits_config& limits, member_logger& log, std::span<char> read_buffer,
                   waiting_output& waiting, peer_hook on_peer);

    // Serves the connection until the client closes it, a limit ends it or close() is called.
    boost::asio::awaitable<void> run();

    // Ends the connection once the lines already read are answered and the client has the
    // replies (let_replies_arrive), for member shutdown.
    void stop();

    // Ends the connection now. Safe to call more than once.
    void close();

private:
    // Answers the complete lines buffered, which arrived at `arrival` (the time an AT line
    // reports); returns true when it stopped early because the replies reached
    // limits.max_output_bytes, or a reply waited for an upstream look-up (write them, then
    // call again: replies ready do not wait behind the next look-up).
    boost::asio::awaitable<bool> answer_lines(bool end_of_stream, geo::nanoseconds arrival);
    boost::asio::awaitable<bool> flush();
    // Before closing a connection whose client may have sent more than was read (after an
    // overlong line, or at a stop): closing with unread input sends a reset, and a reset
    // destroys the replies still on their way. So: FIN after the last reply, then what the
    // client sends is discarded until its kernel has acknowledged every reply, the client
    // closes its side, or drain_timeout (2 s) passes.
    boost::asio::awaitable<void> let_replies_arrive();
    // The watchdog: a plain timer handler, not a coroutine, so that an idle connection does not
    // hold a second coroutine's frames. It closes the connection once deadline_ passes.
    void arm_watchdog();
    void on_watchdog();
    // After the lines read are answered, and after a write: the connection may now sit idle for
    // limits.idle_timeout, but a line begun must be finished within limits.line_timeout of
    // the first touch() that finds it (against slowloris clients). The clock restarts with
    // each line end, so a client whose lines keep ending is never too slow.
    void touch();
    // Chosen by waiting_output to make room: logs why and closes the connection.
    void drop_for_memory(std::size_t held);

    boost::asio::ip::tcp::socket socket_;
    std::uint64_t id_;
    request_handler& handler_;
    const config::limits_config& limits_;
    member_logger& log_;
    std::span<char> read_buffer_;
    waiting_output& waiting_;
    protocol::line_splitter splitter_;
    std::string out_;
    bool too_long_ = false;
    bool first_line_ = true;
    bool reading_ = false;  // a read is pending
    bool writing_ = false;  // a write is pending
    bool answering_ = false; // lines already read are being answered: no timeout applies
    bool line_completed_ = false; // a line was taken since the last touch()
    bool stopping_ = false; // the member is shutting down
    bool dropped_for_memory_ = false; // by waiting_output
    std::optional<std::string> peer_hello_; // set when the first line was a peer handshake
    boost::asio::steady_timer idle_timer_;
    std::chrono::steady_clock::time_point deadline_;
    std::optional<std::chrono::steady_clock::time_point> line_started_; // a partial line is buffered
    peer_hook on_peer_;
};

} // namespace herd::server
