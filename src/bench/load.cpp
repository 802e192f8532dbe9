#include "bench/load.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <vector>

#include <sys/resource.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include "bench/latency_stats.hpp"
#include "bench/load_commands.hpp"
#include "bench/pacing.hpp"
#include "geo/timestamp.hpp"

namespace herd::bench {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
constexpr auto stop_grace = std::chrono::seconds(5); // for replies still owed at the end


const char* mode_name(load_mode mode) {
    switch (mode) {
    case load_mode::iamat:
        return "iamat";
    case load_mode::whatsat:
        return "whatsat";
    case load_mode::geoadd:
        return "geoadd";
    case load_mode::idle:
        return "idle";
    }
    return "?";
}

// What all connections share: the plan, the counters and the samples.
struct run_state {
    explicit run_state(const load_options& o) : options(o) {}

    const load_options& options;
    std::size_t issued = 0;
    std::size_t answered = 0;
    std::size_t errors = 0;
    std::size_t behind = 0; // paced commands due before the end that never went out
    std::size_t failed_connections = 0;
    client_times iamat_times;
    bool stopping = false;
    steady::time_point stopped_at = steady::time_point::max(); // when a signal asked to stop
    std::size_t live = 0;              // connections still running
    std::vector<tcp::socket*> sockets; // by connection, while it runs (to close them if the server stalls)
    std::vector<asio::steady_timer*> pacers; // by connection, while it runs (to wake them at a stop)
    steady::time_point started = steady::now();
    steady::time_point finished = started;
    asio::steady_timer* progress_timer = nullptr;
    latency_stats latencies;

    void connection_ended() {
        if (--live == 0) {
            finished = steady::now();
            if (progress_timer != nullptr) {
                progress_timer->cancel();
            }
        }
    }

    steady::time_point deadline() const { return std::min(started + options.duration, stopped_at); }

    // A signal's stop: no command goes out after now; replies owed are waited for as at the end.
    void stop() {
        stopping = true;
        stopped_at = steady::now();
        for (asio::steady_timer* pacer : pacers) {
            if (pacer != nullptr) {
                pacer->cancel();
            }
        }
    }

    // Whether another command may go out at `now`.
    bool may_issue(steady::time_point now) const {
        return !stopping && issued < options.count && options.mode != load_mode::idle && now < deadline();
    }
};

// Holds an idle connection open, silent, to the end of the run. A server that closes it or
// writes to it (a refusal such as Redis's `-ERR max number of clients reached`) fails it.
asio::awaitable<void> hold_idle(tcp::socket& socket, asio::steady_timer& end, run_state& state, std::size_t index) {
    // The timer's handler may run after this returns and the socket is gone (cancelled below,
    // it is queued, not dropped): it touches the socket only while `reading` says it is there.
    const auto reading = std::make_shared<bool>(true);
    end.expires_at(state.deadline());
    end.async_wait([&socket, reading](const boost::system::error_code& ec) {
        if (*reading && (!ec || ec == asio::error::operation_aborted)) { // the end of the run, or a stop
            boost::system::error_code ignored;
            socket.cancel(ignored);
        }
    });
    char byte = 0;
    const auto [ec, n] = co_await socket.async_read_some(asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
    *reading = false;
    if (ec == asio::error::operation_aborted) {
        co_return; // held to the end
    }
    end.cancel();
    ++state.failed_connections;
    std::fprintf(stderr, "herd: bench: idle connection %zu: %s\n", index,
                 n > 0                           ? "the server wrote to it"
                 : ec && ec != asio::error::eof ? ec.message().c_str()
                                                : "closed by the server");
}

asio::awaitable<void> drive(tcp::socket socket, run_state& state, std::size_t index) {
    const load_options& options = state.options;
    std::string out;
    std::string in;
    std::size_t in_start = 0;
    std::size_t scan = 0;
    std::vector<steady::time_point> sent(options.depth); // a ring of send times, oldest first
    std::size_t oldest = 0;
    std::size_t in_flight = 0;
    // Paced runs: each connection sends every `connections / rate` seconds (at least a clock
    // tick, at most a day, which outlasts any run), staggered.
    const bool paced = options.rate > 0;
    const double interval_seconds = paced ? std::min(static_cast<double>(options.connections) / options.rate, 86'400.0) : 0;
    const auto seconds_to_clock = [](double s) {
        return std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(s));
    };
    const auto interval = paced ? std::max(steady::duration(1), seconds_to_clock(interval_seconds)) : steady::duration::zero();
    steady::time_point next_send =
        state.started + seconds_to_clock(interval_seconds * static_cast<double>(index) /
                                         static_cast<double>(std::max<std::size_t>(1, options.connections)));
    steady::time_point last_reply_at = state.started; // when the connection last had no reply owed
    asio::steady_timer pacer(socket.get_executor());
    state.sockets[index] = &socket;
    state.pacers[index] = &pacer;
    try {
        if (options.mode == load_mode::idle) {
            co_await hold_idle(socket, pacer, state, index);
        }
        std::vector<char> chunk(16 * 1024);
        for (;;) {
            // Paced: latency counts from when the command was due, not from when it went out,
            // so a server that falls behind is not flattered (no coordinated omission).
            steady::time_point due{};
            if (paced && in_flight == 0 && state.may_issue(steady::now())) {
                due = pacing::on_grid(state.started, next_send);
                pacer.expires_at(std::min(due, state.deadline()));
                co_await pacer.async_wait(asio::as_tuple(asio::use_awaitable)); // a stop cancels it
                if (!state.may_issue(steady::now())) {
                    break; // stopped meanwhile: nothing is in flight
                }
                next_send += interval;
            }
            out.clear();
            // Paced, one command per due time (so at most one in flight per connection); else
            // as many as the window has room for.
            const std::size_t room = paced ? (due != steady::time_point{} ? 1 : 0) : options.depth - in_flight;
            const steady::time_point now = room > 0 ? steady::now() : steady::time_point{};
            const std::size_t count = room > 0 && state.may_issue(now) ? std::min(room, options.count - state.issued) : 0;
            if (count > 0) {
                // The commands of one write go out together: one read of each clock serves them all.
                const geo::nanoseconds clock = options.mode == load_mode::iamat ? geo::now_ns() : 0;
                append_commands(out, options, state.issued, count, clock, state.iamat_times);
                state.issued += count;
                for (std::size_t i = 0; i < count; ++i) {
                    sent[(oldest + in_flight) % options.depth] = paced ? due : now;
                    ++in_flight;
                }
            }
            if (!out.empty()) {
                co_await asio::async_write(socket, asio::buffer(out), asio::use_awaitable);
            }
            if (in_flight == 0) {
                break; // nothing more to send or wait for
            }
            const std::size_t n = co_await socket.async_read_some(asio::buffer(chunk), asio::use_awaitable);
            const steady::time_point received_at = steady::now(); // for every reply this read completes
            in.append(chunk.data(), n);
            for (;;) {
                const std::string_view pending = std::string_view(in).substr(in_start);
                const std::size_t length = reply_length(options.mode, pending, scan);
                if (length == 0 || in_flight == 0) {
                    break;
                }
                state.latencies.add(received_at - sent[oldest]);
                last_reply_at = received_at;
                state.errors += is_error(options.mode, pending.substr(0, length)) ? 1 : 0;
                ++state.answered;
                oldest = (oldest + 1) % options.depth;
                --in_flight;
                in_start += length;
            }
            if (in_start == in.size()) {
                in.clear();
                in_start = 0;
            } else if (in_start > 64 * 1024) {
                in.erase(0, in_start);
                in_start = 0;
            }
        }
    } catch (const boost::system::system_error& error) {
        ++state.failed_connections;
        std::fprintf(stderr, "herd: bench: connection %zu: %s\n", index, error.code().message().c_str());
    }
    // A server that fell behind must not look faster for the commands it kept from being sent.
    if (paced && options.mode != load_mode::idle) {
        state.behind += pacing::commands_behind(next_send, std::min(state.deadline(), last_reply_at), interval,
                                                options.count - std::min(options.count, state.issued + state.behind));
    }
    state.sockets[index] = nullptr;
    state.pacers[index] = nullptr;
    state.connection_ended();
}

asio::awaitable<void> report_progress(asio::io_context& io, run_state& state) {
    asio::steady_timer timer(io);
    state.progress_timer = &timer;
    std::size_t last = 0;
    while (state.live > 0) {
        timer.expires_after(std::chrono::seconds(1));
        const auto [cancelled] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (cancelled) {
            break; // every connection has ended
        }
        std::fprintf(stderr, "bench %s: %.0f s, %zu answered, %zu/s\n", mode_name(state.options.mode),
                     std::chrono::duration<double>(steady::now() - state.started).count(), state.answered,
                     state.answered - last);
        last = state.answered;
        if (state.stopping || steady::now() >= state.deadline()) {
            state.stopping = true; // connections finish what is in flight, then end
            break;
        }
    }
    if (state.live > 0) {
        // Replies still owed: wait a little, then give up on a server that has stalled.
        timer.expires_after(stop_grace);
        const auto [cancelled] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (!cancelled && state.live > 0) {
            std::fprintf(stderr, "herd: bench: %zu connections still owed replies %lld s after the end: closing them\n",
                         state.live, static_cast<long long>(stop_grace.count()));
            for (tcp::socket* socket : state.sockets) {
                if (socket != nullptr) {
                    boost::system::error_code ignored;
                    socket->close(ignored);
                }
            }
        }
    }
    state.progress_timer = nullptr;
}

// CPU time (user + system, all threads) this process has used so far.
std::chrono::microseconds own_cpu_time() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    const auto to_us = [](const timeval& t) {
        return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec);
    };
    return to_us(usage.ru_utime) + to_us(usage.ru_stime);
}

} // namespace

int run_load(const load_options& options) {
    asio::io_context io(1);
    run_state state(options);
    // SIGINT or SIGTERM ends the run early, as its time would: replies owed are waited for, and
    // the result line is printed. A second one ends the process at once. Caught from before
    // the connections open, so one sent meanwhile is not lost.
    asio::signal_set stop_signals(io, SIGINT, SIGTERM);
    const std::function<void(const boost::system::error_code&, int)> on_signal =
        [&](const boost::system::error_code& ec, int) {
            if (ec) {
                return;
            }
            if (state.stopping && state.stopped_at != steady::time_point::max()) {
                std::fprintf(stderr, "herd: bench: stopped\n");
                std::_Exit(130);
            }
            state.stop();
            stop_signals.async_wait(on_signal);
        };
    stop_signals.async_wait(on_signal);
    std::vector<tcp::socket> sockets;
    try {
        const tcp::endpoint target(asio::ip::make_address(options.host), options.port);
        for (std::size_t i = 0; i < options.connections; ++i) {
            tcp::socket socket(io);
            socket.connect(target);
            socket.set_option(tcp::no_delay(true));
            sockets.push_back(std::move(socket));
        }
    } catch (const boost::system::system_error& error) {
        std::fprintf(stderr, "herd: bench: cannot connect to %s:%u: %s\n", options.host.c_str(), options.port,
                     error.code().message().c_str());
        return 1;
    }
    const auto cpu_before = own_cpu_time();
    state.started = steady::now();
    state.live = sockets.size();
    state.sockets.assign(sockets.size(), nullptr);
    state.pacers.assign(sockets.size(), nullptr);
    for (std::size_t i = 0; i < sockets.size(); ++i) {
        asio::co_spawn(io, drive(std::move(sockets[i]), state, i), asio::detached);
    }
    asio::co_spawn(io, report_progress(io, state), asio::detached);
    while (state.live > 0) {
        io.run_one(); // until the connections end: the signal wait alone does not keep it going
    }
    stop_signals.cancel();
    io.run(); // what is left: the progress report's end, the cancelled signal wait
    const double seconds = std::chrono::duration<double>(state.finished - state.started).count();
    const auto cpu_used = own_cpu_time() - cpu_before;
    // null when nothing was answered (an idle run): there is no cost per command to give.
    const std::string cpu_us_per_command =
        state.answered > 0
            ? fmt::format("{:.2f}", static_cast<double>(cpu_used.count()) / static_cast<double>(state.answered))
            : "null";
    std::printf("{\"mode\":\"%s\",\"label\":\"%s\",\"connections\":%zu,\"depth\":%zu,\"ids\":%zu,\"issued\":%zu,"
                "\"answered\":%zu,\"errors\":%zu,\"behind\":%zu,\"seconds\":%.3f,\"per_second\":%.0f,\"client_cpu_us\":%s,%s}\n",
                mode_name(options.mode), options.label.c_str(), options.connections, options.depth, options.ids,
                state.issued, state.answered, state.errors, state.behind, seconds,
                static_cast<double>(state.answered) / seconds, cpu_us_per_command.c_str(),
                state.latencies.json_fields().c_str());
    std::fflush(stdout);
    return state.failed_connections == 0 ? 0 : 1;
}

} // namespace herd::bench
