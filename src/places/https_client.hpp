#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "places/google_format.hpp"

namespace herd::places {

// Where an HTTPS service lives.
struct https_origin {
    std::string host;
    std::uint16_t port = 443;
};

// Parses "https://host[:port][/]"; nothing for any other form.
std::optional<https_origin> parse_https_origin(std::string_view url);

// The outcome of one exchange: a response, or why there is none.
struct https_result {
    bool ok = false;
    unsigned status = 0; // HTTP status when ok
    std::string body;
    std::string error; // when !ok: what failed, for error_message and the log
};

struct https_limits {
    std::chrono::milliseconds timeout{5'000};    // the whole exchange, waiting for a slot included
    std::size_t max_concurrent = 16;             // exchanges in flight at once
    std::size_t max_response_bytes = 4 << 20;    // a larger body is an error
    std::size_t max_idle_connections = 4;        // kept-alive connections kept for reuse
};

// An HTTPS/1.1 client for one origin: TLS with SNI, peer verification against the
// context's trust store and the origin's host name, kept-alive pooled connections, one
// deadline per exchange, a bounded body and a bound on exchanges in flight. Single-threaded.
class https_client {
public:
    https_client(boost::asio::any_io_executor executor, boost::asio::ssl::context& tls, https_origin origin,
                 https_limits limits);
    ~https_client();

    // Sends `request` and reads the response. Never throws for network or TLS failures.
    boost::asio::awaitable<https_result> send(const upstream_request& request);


private:
    class connection;

    // The origin's addresses, or an error (timed_out at the deadline).
    boost::asio::awaitable<std::pair<boost::system::error_code, boost::asio::ip::tcp::resolver::results_type>>
    resolve(std::chrono::steady_clock::time_point deadline);
    boost::asio::awaitable<bool> acquire_slot(std::chrono::steady_clock::time_point deadline);
    void release_slot();
    // Wakes the oldest exchange waiting for a slot, if a slot is free.
    void wake_next_waiter();
    // One request and response on `c`; `keep_alive` tells whether `c` may be reused.
    boost::asio::awaitable<https_result> exchange(connection& c, const upstream_request& request,
                                                  std::chrono::steady_clock::time_point deadline, bool& keep_alive);

    boost::asio::any_io_executor executor_;
    boost::asio::ssl::context& tls_;
    https_origin origin_;
    https_limits limits_;
    std::vector<std::unique_ptr<connection>> idle_;
    std::size_t in_flight_ = 0;
    std::deque<boost::asio::steady_timer*> waiting_; // exchanges waiting for a slot, oldest first
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true); // false once destroyed
};

} // namespace herd::places
