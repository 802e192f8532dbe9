#include "server/member.hpp"

#include <stdexcept>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/failure.hpp"
#include "herd/listener.hpp"
#include "server/client_session.hpp"
#include "server/log.hpp"

namespace herd::server {
namespace {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
} // namespace

member::member(asio::any_io_executor executor, const config::herd_config& config, const std::string& name,
               std::string secret, places::places_backend& places, std::shared_ptr<member_logger> log)
    : executor_(std::move(executor)), self_(config.server(name)), limits_(config.limits), log_(std::move(log)),
      store_(store::store_limits{.max_bytes = limits_.store_mib << 20}),
      peers_(executor_, config, name, std::move(secret), store_, *log_),
      handler_(
          name, store_, places, [this](std::string_view at_line) { peers_.flood(at_line, nullptr); },
          [this](std::string_view client_id, const std::bad_alloc& why) {
              warn_refused_record(*log_, store_.refusals(), "an IAMAT", "", client_id, why);
          }),
      acceptor_(executor_), waiting_output_(limits_.waiting_output_mib << 20) {}

member::~member() = default;

void member::start() {
    net::listen_on(acceptor_, self_.host, self_.port);
    log_->info("{} listening on {}:{}", self_.name, self_.host, self_.port);
    peers_.start();
    asio::co_spawn(executor_, accept_loop(), asio::detached);
}

void member::stop(std::function<void()> on_stopped) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    peers_.stop();
    on_stopped_ = std::move(on_stopped);
    for (const auto& session : sessions_) {
        session->stop();
    }
    if (sessions_.empty() && on_stopped_) {
        std::exchange(on_stopped_, nullptr)();
    }
}

asio::awaitable<void> member::accept_loop() {
    while (acceptor_.is_open()) {
        auto [error, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
        if (error) {
            if (error == asio::error::operation_aborted) {
                co_return;
            }
            // E.g. out of file descriptors: pause briefly rather than spin, keep serving.
            log_->warn("accept failed: {}", error.message());
            asio::steady_timer pause(executor_, std::chrono::milliseconds(50));
            co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        if (!acceptor_.is_open()) {
            co_return; // accepted just as stop() came: `socket` closes here, like the ones after
        }
        if (sessions_.size() >= limits_.max_connections) {
            log_->warn("connection refused: {} clients already connected (limits.max_connections)",
                       sessions_.size());
            continue; // `socket` closes here
        }
        try {
            start_session(std::move(socket));
        } catch (const std::exception& failure) { // out of memory, say: this connection is lost, not the listener
            log_->error("client connection dropped: {}", failure.what());
        }
    }
}

void member::start_session(tcp::socket socket) {
    boost::system::error_code ignored; // a connection already reset fails later, as its own
    socket.set_option(tcp::no_delay(true), ignored);
    // Without a peer port, neighbours dial the client port and the handshake tells them apart.
    client_session::peer_hook on_peer;
    if (self_.peer_port == 0) {
        on_peer = [this](tcp::socket peer, std::string hello, std::string rest) {
            peers_.adopt(std::move(peer), std::move(hello), std::move(rest));
        };
    }
    auto session = std::make_shared<client_session>(std::move(socket), next_session_id_++, handler_, limits_, *log_,
                                                    read_buffer_, waiting_output_, std::move(on_peer));
    sessions_.insert(session);
    const auto ended = [this, session](std::exception_ptr failure) {
        if (failure) {
            log_->error("client session failed: {}", describe(failure));
            session->close();
        }
        sessions_.erase(session);
        if (sessions_.empty() && on_stopped_) {
            std::exchange(on_stopped_, nullptr)();
        }
    };
    try {
        asio::co_spawn(executor_, session->run(), ended);
    } catch (...) {
        sessions_.erase(session);
        throw;
    }
}

} // namespace herd::server
