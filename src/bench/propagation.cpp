#include "bench/propagation.hpp"

#include <cstdio>
#include <optional>
#include <stdexcept>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include "bench/latency_stats.hpp"
#include "geo/timestamp.hpp"

namespace herd::bench {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

// A line connection to one member, each operation bounded by `limit`: a member that stops
// answering (stopped, or overloaded past reason) ends the measurement rather than hang it.
class member_connection {
public:
    // Throws std::runtime_error naming the member when it cannot connect.
    member_connection(asio::io_context& io, const config::server_config& server, std::chrono::milliseconds limit)
        : io_(io), name_(server.name), limit_(limit), socket_(io) {
        boost::system::error_code error;
        const auto address = asio::ip::make_address(server.host, error);
        try {
            if (error) {
                throw boost::system::system_error(error);
            }
            within_limit([&](auto done) {
                socket_.async_connect(tcp::endpoint(address, server.port),
                                      [done](const boost::system::error_code& e) mutable { done(e, 0); });
            });
        } catch (const boost::system::system_error& failure) {
            throw std::runtime_error(fmt::format("cannot connect to {} at {}:{}: {}", server.name, server.host,
                                                 server.port, failure.code().message()));
        }
        socket_.set_option(tcp::no_delay(true));
    }

    void send(const std::string& line) {
        within_limit([&](auto done) { asio::async_write(socket_, asio::buffer(line), done); });
    }

    // Reads one reply: a `?` line, an AT line, or an AT line with JSON ending in a blank line.
    std::string reply() {
        const std::size_t n =
            within_limit([&](auto done) { asio::async_read_until(socket_, asio::dynamic_buffer(buffer_), '\n', done); });
        std::string first = buffer_.substr(0, n);
        buffer_.erase(0, n);
        if (first.starts_with("AT ") && is_whatsat_) {
            const std::size_t m = within_limit(
                [&](auto done) { asio::async_read_until(socket_, asio::dynamic_buffer(buffer_), "\n\n", done); });
            buffer_.erase(0, m);
        }
        return first;
    }

    void expect_whatsat_replies() { is_whatsat_ = true; }

private:
    // Runs the operation `start(handler)` begins to its end, and returns its byte count. Throws
    // boost::system::system_error when it fails, std::runtime_error when limit_ passes first.
    template <typename Start>
    std::size_t within_limit(Start start) {
        std::optional<boost::system::error_code> result;
        std::size_t bytes = 0;
        start([&](const boost::system::error_code& error, std::size_t n) {
            result = error;
            bytes = n;
        });
        io_.restart();
        io_.run_for(limit_);
        if (!result) {
            // Closed, not cancelled: a composed read whose next step was already queued would
            // start another read that a cancel() made before it does not reach.
            boost::system::error_code ignored;
            socket_.close(ignored);
            io_.restart();
            io_.run(); // the aborted operation's handler
            throw std::runtime_error(fmt::format("{} did not answer within {} ms", name_, limit_.count()));
        }
        if (*result) {
            throw boost::system::system_error(*result);
        }
        return bytes;
    }

    asio::io_context& io_;
    std::string name_;
    std::chrono::milliseconds limit_;
    tcp::socket socket_;
    std::string buffer_;
    bool is_whatsat_ = false;
};

std::string client_time_now() {
    std::string time;
    geo::append_posix_time(time, geo::now_ns());
    return time;
}

} // namespace

int measure_propagation(const config::herd_config& config, const propagation_options& options) {
    const config::server_config& from = config.server(options.from); // config_error for an unknown name
    const config::server_config& to = config.server(options.to);
    asio::io_context io;
    latency_stats stats;
    latency_stats observer_stats; // one WHATSAT round trip to `to`: what observing costs
    std::size_t lost = 0;
    try {
        member_connection sender(io, from, options.timeout);
        member_connection observer(io, to, options.timeout);
        observer.expect_whatsat_replies();
        const std::string prefix = fmt::format("bench-{}-{}-", ::getpid(), geo::now_ns() % 1'000'000);
        const auto progress_every = std::max<std::size_t>(1, options.count / 10);
        for (std::size_t i = 0; i < options.count; ++i) {
            const std::string id = prefix + std::to_string(i);
            const auto sent = steady::now();
            sender.send("IAMAT " + id + " +34.068930-118.445127 " + client_time_now() + "\n");
            // Ask at once: the update may reach the other member before the reply reaches us.
            const std::string query = "WHATSAT " + id + " 0 0\n";
            bool seen = false;
            while (!seen) {
                observer.send(query);
                seen = observer.reply().starts_with("AT ");
                if (seen) {
                    stats.add(steady::now() - sent);
                } else if (steady::now() - sent > options.timeout) {
                    ++lost;
                    break;
                }
            }
            sender.reply();
            if (seen) {
                // The same question once more, answered from what `to` now holds: a figure
                // includes up to two such round trips (the one that saw the update, and the
                // one in flight when it arrived), so their cost under the same load says how
                // much of it is observing rather than propagating.
                const auto asked = steady::now();
                observer.send(query);
                observer.reply();
                observer_stats.add(steady::now() - asked);
            }
            if ((i + 1) % progress_every == 0) {
                std::fprintf(stderr, "propagation %s -> %s: %zu/%zu, p50 %.1f us\n", options.from.c_str(),
                             options.to.c_str(), i + 1, options.count,
                             static_cast<double>(stats.percentile(50).count()) / 1000.0);
            }
            std::this_thread::sleep_for(options.gap);
        }
    } catch (const boost::system::system_error& error) {
        std::fprintf(stderr, "herd: bench: connection lost: %s\n", error.code().message().c_str());
        return 1;
    } catch (const std::runtime_error& error) {
        std::fprintf(stderr, "herd: bench: %s\n", error.what());
        return 1;
    }
    std::printf("{\"mode\":\"propagation\",\"from\":\"%s\",\"to\":\"%s\",\"count\":%zu,\"lost\":%zu,%s,%s}\n",
                options.from.c_str(), options.to.c_str(), stats.count(), lost, stats.json_fields().c_str(),
                observer_stats.json_fields("observer_").c_str());
    return lost == 0 ? 0 : 1;
}

} // namespace herd::bench
