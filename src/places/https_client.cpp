#include "places/https_client.hpp"

#include <charconv>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <fmt/format.h>

namespace herd::places {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Runs `action` when it goes out of scope, unless the client it touches is gone by then: at a
// forced shutdown the frames of exchanges still under way are destroyed with the io_context,
// after the client.
template <typename Action>
class at_exit_while_alive {
public:
    at_exit_while_alive(std::shared_ptr<const bool> alive, Action action)
        : alive_(std::move(alive)), action_(std::move(action)) {}
    ~at_exit_while_alive() {
        if (*alive_) {
            action_();
        }
    }
    at_exit_while_alive(const at_exit_while_alive&) = delete;
    at_exit_while_alive& operator=(const at_exit_while_alive&) = delete;

private:
    std::shared_ptr<const bool> alive_;
    Action action_;
};

bool is_ip_literal(const std::string& host) {
    boost::system::error_code error;
    asio::ip::make_address(host, error);
    return !error;
}

} // namespace

std::optional<https_origin> parse_https_origin(std::string_view url) {
    constexpr std::string_view scheme = "https://";
    if (!url.starts_with(scheme)) {
        return std::nullopt;
    }
    url.remove_prefix(scheme.size());
    if (url.ends_with('/')) {
        url.remove_suffix(1);
    }
    https_origin origin;
    const std::size_t colon = url.rfind(':');
    if (colon != std::string_view::npos && url.find(']') == std::string_view::npos) {
        const std::string_view port = url.substr(colon + 1);
        unsigned value = 0;
        const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (error != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
            return std::nullopt;
        }
        origin.port = static_cast<std::uint16_t>(value);
        url = url.substr(0, colon);
    }
    if (url.empty() || url.find_first_of("/?#@ ") != std::string_view::npos) {
        return std::nullopt;
    }
    origin.host = std::string(url);
    return origin;
}

class https_client::connection {
public:
    connection(const asio::any_io_executor& executor, asio::ssl::context& tls) : stream(executor, tls) {}
    beast::ssl_stream<beast::tcp_stream> stream;
    beast::flat_buffer buffer;
};

https_client::https_client(asio::any_io_executor executor, asio::ssl::context& tls, https_origin origin,
                           https_limits limits)
    : executor_(std::move(executor)), tls_(tls), origin_(std::move(origin)), limits_(limits) {}

https_client::~https_client() { *alive_ = false; }

asio::awaitable<bool> https_client::acquire_slot(steady::time_point deadline) {
    while (in_flight_ >= limits_.max_concurrent) {
        asio::steady_timer turn(executor_, deadline);
        waiting_.push_back(&turn);
        // Leaves the queue however the wait ends, the frame's destruction included.
        const at_exit_while_alive in_queue(alive_, [this, &turn] { std::erase(waiting_, &turn); });
        co_await turn.async_wait(use_tuple);
        if (steady::now() >= deadline) {
            std::erase(waiting_, &turn);
            wake_next_waiter(); // a slot that freed as this one gave up goes to the next
            co_return false;
        }
    }
    ++in_flight_;
    co_return true;
}

void https_client::release_slot() {
    --in_flight_;
    wake_next_waiter();
}

void https_client::wake_next_waiter() {
    if (in_flight_ < limits_.max_concurrent && !waiting_.empty()) {
        waiting_.front()->cancel(); // the oldest waiter tries again...
        waiting_.pop_front();       // ...and the next release wakes the one after it
    }
}

asio::awaitable<std::pair<boost::system::error_code, tcp::resolver::results_type>>
https_client::resolve(steady::time_point deadline) {
    // The look-up runs on a thread of Asio's and cannot be cancelled (nor can an awaitable
    // operator race it: it waits for both sides). So it reports into a state of its own, and
    // the exchange waits on a timer that the look-up cancels when done, or that expires at the
    // deadline, leaving a slow look-up to finish, unheard, in the background.
    struct lookup {
        tcp::resolver resolver;
        asio::steady_timer done;
        std::optional<std::pair<boost::system::error_code, tcp::resolver::results_type>> result;
    };
    const auto state = std::make_shared<lookup>(lookup{tcp::resolver(executor_), asio::steady_timer(executor_, deadline), {}});
    state->resolver.async_resolve(origin_.host, std::to_string(origin_.port),
                                  [state](const boost::system::error_code& error, tcp::resolver::results_type found) {
                                      state->result.emplace(error, std::move(found));
                                      state->done.cancel();
                                  });
    co_await state->done.async_wait(use_tuple);
    if (!state->result) {
        co_return std::pair{asio::error::make_error_code(asio::error::timed_out), tcp::resolver::results_type()};
    }
    co_return *state->result;
}

asio::awaitable<https_result> https_client::send(const upstream_request& request) {
    const auto deadline = steady::now() + limits_.timeout;
    const auto timed_out = [this] {
        return https_result{false, 0, {}, fmt::format("upstream timed out after {} ms", limits_.timeout.count())};
    };
    if (!co_await acquire_slot(deadline)) {
        co_return timed_out();
    }
    const at_exit_while_alive slot(alive_, [this] { release_slot(); }); // however the exchange ends

    // A pooled connection may have been closed by the server meanwhile: then try once more
    // on a fresh one (the others in the pool are likely as old).
    for (int attempt = 0; attempt < 2; ++attempt) {
        std::unique_ptr<connection> c;
        const bool reused = attempt == 0 && !idle_.empty();
        if (reused) {
            c = std::move(idle_.back());
            idle_.pop_back();
        } else {
            c = std::make_unique<connection>(executor_, tls_);
            const auto [resolve_error, endpoints] = co_await resolve(deadline);
            if (resolve_error == asio::error::timed_out) {
                co_return timed_out();
            }
            if (resolve_error) {
                co_return https_result{false, 0, {}, "cannot resolve " + origin_.host + ": " + resolve_error.message()};
            }
            auto& tcp_layer = beast::get_lowest_layer(c->stream);
            tcp_layer.expires_at(deadline);
            const auto [connect_error, endpoint] = co_await tcp_layer.async_connect(endpoints, use_tuple);
            if (connect_error) {
                co_return connect_error == beast::error::timeout
                    ? timed_out()
                    : https_result{false, 0, {}, "cannot connect to upstream: " + connect_error.message()};
            }
            if (!is_ip_literal(origin_.host)) {
                SSL_set_tlsext_host_name(c->stream.native_handle(), origin_.host.c_str()); // SNI
            }
            c->stream.set_verify_mode(asio::ssl::verify_peer);
            c->stream.set_verify_callback(asio::ssl::host_name_verification(origin_.host));
            const auto [tls_error] = co_await c->stream.async_handshake(asio::ssl::stream_base::client, use_tuple);
            if (tls_error) {
                co_return tls_error == beast::error::timeout
                    ? timed_out()
                    : https_result{false, 0, {}, "TLS handshake with upstream failed: " + tls_error.message()};
            }
        }
        bool keep_alive = false;
        https_result result = co_await exchange(*c, request, deadline, keep_alive);
        if (result.ok) {
            if (keep_alive && idle_.size() < limits_.max_idle_connections) {
                idle_.push_back(std::move(c));
            }
            co_return result;
        }
        if (!reused || steady::now() >= deadline) {
            co_return result;
        }
    }
    co_return https_result{false, 0, {}, "upstream closed the connection"};
}

asio::awaitable<https_result> https_client::exchange(connection& c, const upstream_request& request,
                                                     steady::time_point deadline, bool& keep_alive) {
    keep_alive = false;
    http::request<http::string_body> message(http::string_to_verb(request.method), request.target, 11);
    message.set(http::field::host, origin_.port == 443 ? origin_.host : origin_.host + ":" + std::to_string(origin_.port));
    message.set(http::field::user_agent, "herd");
    message.set(http::field::accept, "application/json");
    for (const auto& [name, value] : request.headers) {
        message.set(name, value);
    }
    message.body() = request.body;
    message.keep_alive(true);
    message.prepare_payload();

    const auto failure = [this](const boost::system::error_code& error, std::string_view step) {
        if (error == beast::error::timeout) {
            return https_result{false, 0, {}, fmt::format("upstream timed out after {} ms", limits_.timeout.count())};
        }
        if (error == http::error::body_limit) {
            return https_result{false, 0, {}, fmt::format("upstream answer larger than {} bytes", limits_.max_response_bytes)};
        }
        return https_result{false, 0, {}, fmt::format("upstream {} failed: {}", step, error.message())};
    };
    auto& tcp_layer = beast::get_lowest_layer(c.stream);
    tcp_layer.expires_at(deadline);
    const auto [write_error, written] = co_await http::async_write(c.stream, message, use_tuple);
    if (write_error) {
        co_return failure(write_error, "write");
    }
    for (;;) { // bounded by the deadline
        http::response_parser<http::string_body> parser;
        parser.body_limit(limits_.max_response_bytes);
        const auto [read_error, read] = co_await http::async_read(c.stream, c.buffer, parser, use_tuple);
        if (read_error) {
            co_return failure(read_error, "read");
        }
        auto response = parser.release();
        const unsigned status = response.result_int();
        if (status >= 100 && status < 200 && status != 101) {
            continue; // an interim response (100 Continue, 103 Early Hints): the answer follows it
        }
        keep_alive = response.keep_alive() && status >= 200;
        co_return https_result{true, status, std::move(response.body()), {}};
    }
}

} // namespace herd::places
