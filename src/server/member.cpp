#include "server/member.hpp"

#include <stdexcept>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "server/client_session.hpp"

namespace herd::server {
namespace {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
} // namespace

member::member(asio::any_io_executor executor, const config::herd_config& config, const std::string& name,
               places::places_backend& places, std::shared_ptr<spdlog::logger> log)
    : executor_(std::move(executor)), self_(config.server(name)), limits_(config.limits), log_(std::move(log)),
      handler_(name, store_, places), acceptor_(executor_) {}

member::~member() = default;

void member::start() {
    const std::string where = self_.host + ":" + std::to_string(self_.port);
    try {
        const tcp::endpoint endpoint(asio::ip::make_address(self_.host), self_.port);
        acceptor_.open(endpoint.protocol());
        acceptor_.set_option(tcp::acceptor::reuse_address(true));
        acceptor_.bind(endpoint);
        acceptor_.listen(asio::socket_base::max_listen_connections);
    } catch (const boost::system::system_error& error) {
        throw std::runtime_error("cannot listen on " + where + ": " + error.code().message());
    }
    log_->info("{} listening on {}", self_.name, where);
    asio::co_spawn(executor_, accept_loop(), asio::detached);
}

void member::stop(std::function<void()> on_stopped) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    on_stopped_ = std::move(on_stopped);
    for (const auto& session : sessions_) {
        session->close();
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
        if (sessions_.size() >= limits_.max_connections) {
            log_->warn("connection refused: {} clients already connected (limits.max_connections)",
                       sessions_.size());
            continue; // `socket` closes here
        }
        socket.set_option(tcp::no_delay(true));
        auto session = std::make_shared<client_session>(std::move(socket), next_session_id_++, handler_, limits_,
                                                        *log_);
        sessions_.insert(session);
        asio::co_spawn(executor_, session->run(), [this, session](std::exception_ptr failure) {
            if (failure) {
                try {
                    std::rethrow_exception(failure);
                } catch (const std::exception& bug) {
                    log_->error("client session failed: {}", bug.what());
                }
                session->close();
            }
            sessions_.erase(session);
            if (sessions_.empty() && on_stopped_) {
                std::exchange(on_stopped_, nullptr)();
            }
        });
    }
}

} // namespace herd::server
