#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "app/commands.hpp"
#include "herd/config.hpp"
#include "protocol/reply.hpp"

namespace herd::app {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

constexpr std::size_t max_unsent_bytes = 1 << 20; // stdin is not read further while this much waits
constexpr std::size_t max_reply_bytes = 64 << 20;  // a longer "reply" is not a member's

// Why the exchange failed, for `herd: <what>`; empty when it succeeded.
using failure = std::string;

// One exchange with a member: lines go out as the socket takes them, what comes back is copied
// to stdout and framed into replies (protocol::reply_length) against the lines sent, so that
// a reply cut off or never sent is a failure, not a quiet exit 0. A member that owes replies
// and sends nothing for `timeout` (counted from its last bytes, or from the line that found
// nothing owed) is given up on.
class exchange {
public:
    exchange(int socket, std::string member, std::chrono::milliseconds timeout)
        : socket_(socket), member_(std::move(member)), timeout_(timeout) {}

    // Sends `line` alone (stdin is not read), or every line of stdin; returns once every
    // reply has come back, or why not.
    failure run(const std::optional<std::string>& line) {
        if (line) {
            queue_line(*line);
            input_done_ = true;
        }
        last_progress_ = steady::now();
        for (;;) {
            if (input_done_ && unsent_.empty() && !half_closed_) {
                ::shutdown(socket_, SHUT_WR); // the member answers what it has, then closes its side
                half_closed_ = true;
            }
            if (half_closed_ && owed_.empty()) {
                return {};
            }
            if (failure why = step(); !why.empty()) {
                return why;
            }
        }
    }

private:
    // Waits for stdin, the socket or the timeout, once, and handles what is ready.
    failure step() {
        pollfd fds[2] = {{socket_, static_cast<short>(POLLIN | (unsent_.empty() ? 0 : POLLOUT)), 0},
                         {STDIN_FILENO, POLLIN, 0}};
        const bool read_input = !input_done_ && unsent_.size() < max_unsent_bytes;
        // Someone typing may take their time; a member that owes replies, or has lines to take, may not.
        const bool waiting_on_member = !owed_.empty() || !unsent_.empty();
        int wait_ms = -1;
        if (waiting_on_member) {
            const auto left = last_progress_ + timeout_ - steady::now();
            wait_ms = static_cast<int>(std::max<std::int64_t>(
                0, std::chrono::ceil<std::chrono::milliseconds>(left).count()));
        }
        const int ready = ::poll(fds, read_input ? 2 : 1, wait_ms);
        if (ready < 0) {
            return errno == EINTR ? failure{} : "poll: " + std::string(std::strerror(errno));
        }
        if (ready == 0) {
            return owed_.empty() ? member_ + " did not take the input for " + ms(timeout_)
                                 : "no reply from " + member_ + " for " + ms(timeout_) + " (" + owed() + ")";
        }
        if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            if (failure why = receive(); !why.empty()) {
                return why;
            }
        }
        if ((fds[0].revents & POLLOUT) != 0) {
            if (failure why = transmit(); !why.empty()) {
                return why;
            }
        }
        if (read_input && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            return read_stdin();
        }
        return {};
    }

    failure receive() {
        char buffer[16 * 1024];
        const ssize_t n = ::recv(socket_, buffer, sizeof buffer, 0);
        if (n < 0) {
            return errno == EAGAIN || errno == EINTR ? failure{} : broke(std::strerror(errno));
        }
        if (n == 0) { // before every reply came back, or before the input ended (someone typing, say)
            return broke((member_ + " closed it").c_str());
        }
        if (std::fwrite(buffer, 1, static_cast<std::size_t>(n), stdout) != static_cast<std::size_t>(n) ||
            std::fflush(stdout) != 0) {
            return "cannot write the replies: " + std::string(std::strerror(errno)); // a closed pipe, a full disk
        }
        last_progress_ = steady::now();
        reply_.append(buffer, static_cast<std::size_t>(n));
        while (!owed_.empty()) {
            const std::size_t length = protocol::reply_length(owed_.front(), reply_, scan_);
            if (length == 0) {
                break;
            }
            reply_.erase(0, length);
            owed_.pop_front();
        }
        if (owed_.empty() && !reply_.empty()) {
            return member_ + " sent more than the replies owed: " + std::to_string(reply_.size()) + " bytes";
        }
        if (reply_.size() > max_reply_bytes) {
            return member_ + " sent a reply longer than " + std::to_string(max_reply_bytes) + " bytes";
        }
        return {};
    }

    failure transmit() {
        const ssize_t n = ::send(socket_, unsent_.data(), unsent_.size(), MSG_NOSIGNAL);
        if (n < 0) {
            return errno == EAGAIN || errno == EINTR ? failure{} : broke(std::strerror(errno));
        }
        unsent_.erase(0, static_cast<std::size_t>(n)); // not progress: a hung member's kernel takes bytes too
        return {};
    }

    failure read_stdin() {
        char buffer[16 * 1024];
        const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            return {};
        }
        if (n <= 0) { // the end of the input (a read error ends it too)
            if (!partial_.empty()) {
                queue_line(partial_); // a last line without LF gets one
            }
            input_done_ = true;
            return {};
        }
        partial_.append(buffer, static_cast<std::size_t>(n));
        std::size_t start = 0;
        for (std::size_t lf = partial_.find('\n'); lf != std::string::npos; lf = partial_.find('\n', start)) {
            queue_line(std::string_view(partial_).substr(start, lf - start));
            start = lf + 1;
        }
        partial_.erase(0, start);
        return partial_.size() > config::max_line_bytes_ceiling
                   ? "a line of the input is longer than any member takes (" +
                         std::to_string(config::max_line_bytes_ceiling) + " bytes)"
                   : failure{};
    }

    void queue_line(std::string_view line) {
        if (owed_.empty() && unsent_.empty()) {
            last_progress_ = steady::now(); // the member's time starts now, not at its last answer
        }
        if (const auto framing = protocol::framing_of(line); framing != protocol::reply_framing::none) {
            owed_.push_back(framing);
        }
        unsent_.append(line);
        unsent_ += '\n';
    }

    failure broke(const char* why) const {
        return "the connection to " + member_ + " broke: " + why + (owed_.empty() ? "" : " (" + owed() + ")");
    }

    std::string owed() const {
        return std::to_string(owed_.size()) + (owed_.size() == 1 ? " reply" : " replies") + " not received";
    }

    static std::string ms(std::chrono::milliseconds duration) { return std::to_string(duration.count()) + " ms"; }

    int socket_;
    std::string member_;
    std::chrono::milliseconds timeout_;
    std::string unsent_;  // lines the socket has not taken yet
    std::string partial_; // stdin's bytes after its last LF
    std::deque<protocol::reply_framing> owed_; // a reply for each line sent that gets one, in order
    std::string reply_;   // the bytes of the reply under way
    std::size_t scan_ = 0;
    bool input_done_ = false;
    bool half_closed_ = false;
    steady::time_point last_progress_;
};

// Connects `socket` to `endpoint` within `timeout`; returns why not, or nothing.
failure connect_within(tcp::socket& socket, const tcp::endpoint& endpoint, std::chrono::milliseconds timeout) {
    boost::system::error_code error;
    socket.open(endpoint.protocol(), error);
    if (!error) {
        socket.non_blocking(true, error);
    }
    if (error) {
        return error.message();
    }
    if (::connect(socket.native_handle(), endpoint.data(), static_cast<socklen_t>(endpoint.size())) == 0) {
        return {};
    }
    if (errno != EINPROGRESS) {
        return std::strerror(errno);
    }
    pollfd fd{socket.native_handle(), POLLOUT, 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(timeout.count()));
    if (ready == 0) {
        return "no answer within " + std::to_string(timeout.count()) + " ms";
    }
    int status = 0;
    socklen_t length = sizeof status;
    if (ready < 0 || ::getsockopt(socket.native_handle(), SOL_SOCKET, SO_ERROR, &status, &length) != 0) {
        return std::strerror(errno);
    }
    return status == 0 ? failure{} : std::strerror(status);
}

} // namespace

int send(const std::string& name, const std::string& config_path, const std::optional<std::string>& line,
         std::optional<std::chrono::milliseconds> timeout_asked) {
    config::server_config target;
    std::chrono::milliseconds timeout = default_send_timeout;
    try {
        const config::herd_config config = config::load_config(config_path);
        target = config.server(name);
        // A member answers a look-up upstream within places.timeout_ms: give it that, and a second.
        if (config.places.is_google()) {
            timeout = std::max(timeout, config.places.timeout + std::chrono::seconds(1));
        }
        timeout = timeout_asked.value_or(timeout);
    } catch (const config::config_error& error) {
        std::fprintf(stderr, "herd: %s\n", error.what());
        return exit_bad_config;
    }
    asio::io_context io;
    tcp::socket socket(io);
    boost::system::error_code error;
    const tcp::endpoint endpoint(asio::ip::make_address(target.host, error), target.port);
    const failure not_connected = error ? error.message() : connect_within(socket, endpoint, timeout);
    if (!not_connected.empty()) {
        std::fprintf(stderr, "herd: cannot connect to %s at %s:%u: %s\n", name.c_str(), target.host.c_str(),
                     target.port, not_connected.c_str());
        return exit_failure;
    }
    if (const failure why = exchange(socket.native_handle(), name, timeout).run(line); !why.empty()) {
        std::fprintf(stderr, "herd: %s\n", why.c_str());
        return exit_failure;
    }
    return exit_ok;
}

} // namespace herd::app
