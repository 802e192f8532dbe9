#include "herd/peer_hub.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "common/failure.hpp"
#include "herd/backoff.hpp"
#include "herd/deadline.hpp"
#include "herd/listener.hpp"
#include "herd/peer_auth.hpp"
#include "herd/peer_message.hpp"
#include "protocol/line_splitter.hpp"
#include "server/log.hpp"

namespace herd::peer {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t max_handshake_bytes = 512;
constexpr auto first_backoff = std::chrono::milliseconds(100);
constexpr auto stable_link = std::chrono::seconds(10); // a link up this long resets the back-off

// Reads one line of at most max_handshake_bytes, starting with the bytes already in `rest`;
// the bytes after the line are left in `rest`. Returns nothing on error, end of stream or an
// overlong line.
asio::awaitable<std::optional<std::string>> read_line(tcp::socket& socket, std::string& rest) {
    protocol::line_splitter splitter(max_handshake_bytes);
    splitter.feed(std::exchange(rest, {}));
    std::array<char, 1024> buffer; // NOLINT(cppcoreguidelines-pro-type-member-init)
    for (;;) {
        std::string_view line;
        const auto status = splitter.next(line);
        if (status == protocol::line_splitter::status::line) {
            std::string result(line);
            rest = splitter.take_rest();
            co_return result;
        }
        if (status == protocol::line_splitter::status::too_long) {
            co_return std::nullopt;
        }
        const auto [error, n] = co_await socket.async_read_some(asio::buffer(buffer), use_tuple);
        if (error) {
            co_return std::nullopt;
        }
        splitter.feed(std::string_view(buffer.data(), n));
    }
}

asio::awaitable<bool> write_all(tcp::socket& socket, const std::string& bytes) {
    const auto [error, n] = co_await asio::async_write(socket, asio::buffer(bytes), use_tuple);
    co_return !error;
}

// The completion of a handshake's coroutine: one that failed (out of memory, say) has lost its
// own connection only, and the log says so.
auto log_failed_handshake(spdlog::logger& log) {
    return [&log](std::exception_ptr failure) {
        if (failure) {
            log.error("peer handshake failed: {}", describe(failure));
        }
    };
}

} // namespace

peer_hub::peer_hub(asio::any_io_executor executor, const config::herd_config& config, const std::string& self,
                   std::string secret, store::location_store& store, spdlog::logger& log)
    : executor_(std::move(executor)), config_(config), self_(config.server(self)), secret_(std::move(secret)),
      store_(store), log_(log), peer_acceptor_(executor_) {}

void peer_hub::start() {
    if (self_.peer_port != 0) {
        net::listen_on(peer_acceptor_, self_.host, self_.peer_port, "for peers ");
        log_.info("listening for peers on {}:{}", self_.host, self_.peer_port);
        asio::co_spawn(executor_, peer_accept_loop(), asio::detached);
    }
    for (const std::string& neighbour : config_.neighbours(self_.name)) {
        if (self_.name < neighbour) {
            asio::co_spawn(executor_, dial_loop(neighbour), asio::detached);
        }
    }
}

void peer_hub::stop() {
    stopped_ = true;
    boost::system::error_code ignored;
    peer_acceptor_.close(ignored);
    for (const auto& [name, link] : links_) {
        link->close("member stopping");
    }
}

void peer_hub::flood(std::string_view at_line, const peer_link* except) {
    for (const auto& [name, link] : links_) {
        if (link.get() != except) {
            link->send(at_line);
        }
    }
}

void peer_hub::on_update(peer_link& from, store::record_ref record, const store::client_key& client) {
    bool changed = false;
    try {
        changed = store_.merge(record, client, store::report_from::link);
    } catch (const std::bad_alloc& why) { // changed nothing: dropped, the link goes on
        server::warn_refused_record(log_, store_.refusals(), "an update from ", from.neighbour(), client.id, why);
        return;
    }
    if (changed) {
        flood(record.at_line, &from);
    }
}

asio::awaitable<std::string> peer_hub::run_link(std::shared_ptr<peer_link> link) {
    const std::string neighbour = link->neighbour();
    if (const auto old = links_.find(neighbour); old != links_.end()) {
        old->second->close("replaced by a new link");
    }
    links_[neighbour] = link;
    log_.info("link with {} up", neighbour);
    std::string reason;
    try {
        reason = co_await link->run();
    } catch (...) { // out of memory, say: the link ends as if its neighbour had gone
        link->close("failed"); // first, and allocating nothing: what follows cannot throw
        reason = failure_reason(std::current_exception());
        log_.error("link with {} {}", neighbour, reason);
    }
    if (const auto current = links_.find(neighbour); current != links_.end() && current->second == link) {
        links_.erase(current);
    }
    log_.info("link with {} down: {}", neighbour, reason);
    co_return reason;
}

asio::awaitable<void> peer_hub::dial_loop(std::string neighbour) {
    const config::server_config& target = config_.server(neighbour);
    backoff delay(first_backoff, config_.limits.peer_backoff_max,
                  std::hash<std::string>{}(self_.name + neighbour) ^
                      static_cast<std::uint64_t>(steady::now().time_since_epoch().count()));
    asio::steady_timer pause(executor_);
    while (!stopped_) {
        const auto started = steady::now();
        std::string reason;
        try {
            reason = co_await dial_once(target);
        } catch (...) { // out of memory, say: this attempt failed, not the neighbour's dial loop
            reason = failure_reason(std::current_exception());
            log_.error("link with {}: {}", neighbour, reason);
        }
        if (stopped_) {
            break;
        }
        if (steady::now() - started > stable_link) {
            delay.reset();
        }
        const auto wait = delay.next();
        log_.info("link with {}: {}; redialling in {} ms", neighbour, reason, wait.count());
        pause.expires_after(wait);
        co_await pause.async_wait(use_tuple);
    }
}

asio::awaitable<std::string> peer_hub::dial_once(const config::server_config& target) {
    boost::system::error_code error;
    const tcp::endpoint endpoint(asio::ip::make_address(target.host, error), target.port_for_peers());
    if (error) {
        co_return "bad address " + target.host + ": " + error.message();
    }
    tcp::socket socket(executor_);
    std::string rest;
    const auto handshake = [&]() -> asio::awaitable<std::string> {
        const auto [connect_error] = co_await socket.async_connect(endpoint, use_tuple);
        if (connect_error) {
            co_return "cannot connect: " + connect_error.message();
        }
        const std::string nonce = make_nonce();
        if (!co_await write_all(socket, format_hello(self_.name, target.name, nonce))) {
            co_return "handshake failed: write";
        }
        auto line = co_await read_line(socket, rest);
        if (!line) {
            co_return "handshake failed: no answer";
        }
        message answer = parse_message(*line);
        if (const auto* no = std::get_if<refused>(&answer)) {
            co_return "refused: " + server::escape_for_log(no->reason); // the neighbour's words, unchecked
        }
        const auto* asked = std::get_if<challenge>(&answer);
        if (asked == nullptr || asked->name != target.name || !is_nonce(asked->nonce)) {
            co_return "handshake failed: unexpected answer " + server::escape_for_log(line->substr(0, 100));
        }
        if (!same_proof(asked->proof, acceptor_proof(secret_, self_.name, target.name, nonce, asked->nonce))) {
            log_.warn("link with {}: it failed authentication (is the herd secret the same?)", target.name);
            co_return "handshake failed: the neighbour failed authentication";
        }
        if (!co_await write_all(socket,
                                format_proof(dialer_proof(secret_, self_.name, target.name, nonce, asked->nonce)))) {
            co_return "handshake failed: write";
        }
        line = co_await read_line(socket, rest);
        if (!line) {
            co_return "handshake failed: no answer to the proof";
        }
        answer = parse_message(*line);
        if (const auto* no = std::get_if<refused>(&answer)) {
            co_return "refused: " + server::escape_for_log(no->reason); // the neighbour's words, unchecked
        }
        const auto* yes = std::get_if<welcome>(&answer);
        if (yes == nullptr || yes->name != target.name) {
            co_return "handshake failed: unexpected answer " + server::escape_for_log(line->substr(0, 100));
        }
        co_return "";
    };
    const auto outcome = co_await with_deadline(handshake(), config_.limits.peer_connect_timeout);
    if (!outcome) {
        co_return "connect and handshake timed out after " +
            std::to_string(config_.limits.peer_connect_timeout.count()) + " ms";
    }
    if (!outcome->empty() || stopped_) {
        co_return outcome->empty() ? "member stopping" : *outcome;
    }
    socket.set_option(tcp::no_delay(true), error);
    co_return co_await run_link(std::make_shared<peer_link>(std::move(socket), target.name, std::move(rest), store_,
                                                            *this, config_.limits, log_));
}

std::string peer_hub::refusal(const hello& h) const {
    if (h.version != protocol_version) {
        return "unsupported version " + std::string(h.version) + " (this member speaks " +
               std::string(protocol_version) + ")";
    }
    if (h.to != self_.name) {
        return "this is " + self_.name + ", not " + std::string(h.to);
    }
    const auto neighbours = config_.neighbours(self_.name);
    if (std::find(neighbours.begin(), neighbours.end(), h.from) == neighbours.end()) {
        return std::string(h.from) + " is not a neighbour of " + self_.name;
    }
    if (std::string_view(self_.name) < h.from) {
        return self_.name + " dials " + std::string(h.from) + ", not the other way";
    }
    if (!is_nonce(h.nonce)) {
        return "malformed nonce (" + std::to_string(2 * nonce_bytes) + " lowercase hex digits expected)";
    }
    return "";
}

std::optional<peer_hub::handshake_slot> peer_hub::take_handshake_slot(tcp::socket& socket) {
    if (*handshakes_ < config_.limits.max_handshakes) {
        return handshake_slot(handshakes_);
    }
    const std::string refusal = format_refused("too many handshakes under way");
    boost::system::error_code ignored; // best effort, never waiting: the socket is dropped next
    socket.non_blocking(true, ignored);
    socket.write_some(asio::buffer(refusal), ignored);
    if (server::warn_of_refusal(++handshakes_refused_)) {
        log_.warn("peer handshake refused: {} under way already ({} refused so far; said again at {})",
                  config_.limits.max_handshakes, handshakes_refused_, 2 * handshakes_refused_);
    }
    return std::nullopt;
}

void peer_hub::adopt(tcp::socket socket, std::string hello_line, std::string rest) {
    auto slot = take_handshake_slot(socket);
    if (!slot) {
        return;
    }
    const auto deadline = steady::now() + config_.limits.peer_connect_timeout;
    asio::co_spawn(executor_,
                   accept_handshake(std::move(socket), std::move(hello_line), std::move(rest), deadline,
                                    std::move(*slot)),
                   log_failed_handshake(log_));
}

asio::awaitable<void> peer_hub::accept_handshake(tcp::socket socket, std::string hello_line, std::string rest,
                                                 steady::time_point deadline, handshake_slot slot) {
    const auto time_left = [&] { return deadline - steady::now(); };
    const auto refuse = [&](const std::string& why, std::string_view what) -> asio::awaitable<void> {
        // `why` may quote the stranger's fields: escaped like the line itself.
        log_.warn("peer handshake refused: {}: {}", server::escaped{why}, server::escaped{what.substr(0, 200)});
        co_await with_deadline(write_all(socket, format_refused(why)), time_left());
    };
    const message greeting = parse_message(hello_line);
    const auto* h = std::get_if<hello>(&greeting);
    const std::string why = h == nullptr ? "malformed handshake" : stopped_ ? "member stopping" : refusal(*h);
    if (!why.empty()) {
        co_await refuse(why, hello_line);
        co_return;
    }
    const std::string neighbour(h->from);
    const std::string dialer_nonce(h->nonce);
    const std::string nonce = make_nonce();
    // Challenge, proof, welcome: all by the deadline.
    const auto exchange = [&]() -> asio::awaitable<std::optional<std::string>> {
        const std::string challenge_line =
            format_challenge(self_.name, nonce, acceptor_proof(secret_, neighbour, self_.name, dialer_nonce, nonce));
        if (!co_await write_all(socket, challenge_line)) {
            co_return std::nullopt;
        }
        co_return co_await read_line(socket, rest);
    };
    const auto answer = co_await with_deadline(exchange(), time_left());
    if (!answer || !*answer) {
        log_.info("link with {}: handshake failed: no proof in time", neighbour);
        co_return;
    }
    const message proof_message = parse_message(**answer);
    const auto* shown = std::get_if<proof>(&proof_message);
    if (shown == nullptr ||
        !same_proof(shown->value, dialer_proof(secret_, neighbour, self_.name, dialer_nonce, nonce))) {
        co_await refuse("authentication failed", **answer);
        co_return;
    }
    if (stopped_) { // stop() came while the proof was awaited: no link may start after it
        co_await refuse("member stopping", **answer);
        co_return;
    }
    const auto sent = co_await with_deadline(write_all(socket, format_welcome(self_.name)), time_left());
    if (!sent || !*sent || stopped_) {
        log_.info("link with {}: handshake failed: {}", neighbour, stopped_ ? "member stopping" : "could not answer");
        co_return;
    }
    slot.release(); // the handshake is done: what follows is a link
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    co_await run_link(std::make_shared<peer_link>(std::move(socket), neighbour, std::move(rest), store_, *this,
                                                  config_.limits, log_));
}

asio::awaitable<void> peer_hub::peer_accept_loop() {
    while (peer_acceptor_.is_open()) {
        auto [error, socket] = co_await peer_acceptor_.async_accept(use_tuple);
        if (error) {
            if (error == asio::error::operation_aborted) {
                co_return;
            }
            log_.warn("peer accept failed: {}", error.message());
            asio::steady_timer pause(executor_, std::chrono::milliseconds(50));
            co_await pause.async_wait(use_tuple);
            continue;
        }
        try {
            auto slot = take_handshake_slot(socket);
            if (!slot) {
                continue; // `socket` closes here
            }
            asio::co_spawn(executor_, read_first_line(std::move(socket), std::move(*slot)), log_failed_handshake(log_));
        } catch (const std::exception& failure) { // this connection is lost, not the listener
            log_.error("peer connection dropped: {}", failure.what());
        }
    }
}

asio::awaitable<void> peer_hub::read_first_line(tcp::socket socket, handshake_slot slot) {
    const auto deadline = steady::now() + config_.limits.peer_connect_timeout;
    std::string rest;
    const auto line = co_await with_deadline(read_line(socket, rest), deadline - steady::now());
    if (!line || !*line || !is_handshake(**line)) {
        log_.warn("peer port: connection without a handshake closed");
        co_return;
    }
    co_await accept_handshake(std::move(socket), std::move(**line), std::move(rest), deadline, std::move(slot));
}

} // namespace herd::peer
