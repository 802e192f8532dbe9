#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <spdlog/logger.h>

#include "herd/config.hpp"
#include "herd/peer_link.hpp"
#include "herd/peer_message.hpp"
#include "store/location_store.hpp"

namespace herd::peer {

// The member's side of the herd: one supervised link per configured neighbour, and the
// flood rule. Of each linked pair, the member whose name sorts lower dials; the other
// accepts; each proves it holds the herd secret (docs/peer-protocol.md). An update that
// changes the store goes to every neighbour but its sender.
class peer_hub final : public link_events {
public:
    // `secret` is the herd secret both ends of a link must prove they hold.
    peer_hub(boost::asio::any_io_executor executor, const config::herd_config& config, const std::string& self,
             std::string secret, store::location_store& store, spdlog::logger& log);

    // Starts dialling the neighbours this member dials, and the peer listener when the
    // member has a peer_port. Throws std::runtime_error when it cannot listen.
    void start();

    // Stops dialling and accepting and closes every link.
    void stop();

    // Takes over a connection whose first line, `hello_line`, opened a handshake; `rest`
    // holds the bytes read after that line. Refuses it instead (REFUSED) when
    // limits.max_handshakes are under way.
    void adopt(boost::asio::ip::tcp::socket socket, std::string hello_line, std::string rest);

    // Sends a record the store just accepted to every linked neighbour but `except`.
    void flood(std::string_view at_line, const peer_link* except);

    void on_update(peer_link& from, store::record_ref record, const store::client_key& client) override;

private:
    // One handshake under way on this member's side, counted while it lives or until
    // release(). (The count is shared so a coroutine frame destroyed after the hub, at
    // shutdown, touches nothing freed.)
    class handshake_slot {
    public:
        explicit handshake_slot(std::shared_ptr<std::size_t> count) : count_(std::move(count)) { ++*count_; }
        handshake_slot(handshake_slot&&) noexcept = default;
        handshake_slot& operator=(handshake_slot&&) = delete;
        ~handshake_slot() { release(); }
        void release() {
            if (count_) {
                --*count_;
                count_.reset();
            }
        }

    private:
        std::shared_ptr<std::size_t> count_;
    };

    // A slot for a handshake on `socket`, or, when limits.max_handshakes are under way already,
    // nothing: `socket` is told so (REFUSED), and the caller drops it. Each handshake holds
    // a socket until it ends or times out, so without a bound, connections that open one and
    // stall would take every descriptor the member has.
    std::optional<handshake_slot> take_handshake_slot(boost::asio::ip::tcp::socket& socket);
    boost::asio::awaitable<void> dial_loop(std::string neighbour);
    boost::asio::awaitable<std::string> dial_once(const config::server_config& neighbour);
    // Answers the handshake `hello_line` opened; all of it must be done by `deadline` (the
    // connect timeout from when the connection reached the peer hub or the peer port).
    boost::asio::awaitable<void> accept_handshake(boost::asio::ip::tcp::socket socket, std::string hello_line,
                                                  std::string rest, std::chrono::steady_clock::time_point deadline,
                                                  handshake_slot slot);
    boost::asio::awaitable<void> peer_accept_loop();
    boost::asio::awaitable<void> read_first_line(boost::asio::ip::tcp::socket socket, handshake_slot slot);
    boost::asio::awaitable<std::string> run_link(std::shared_ptr<peer_link> link);
    // Why `hello` is refused, or "" when the link is welcome.
    std::string refusal(const hello& h) const;

    boost::asio::any_io_executor executor_;
    const config::herd_config& config_;
    const config::server_config& self_;
    std::string secret_;
    store::location_store& store_;
    spdlog::logger& log_;
    boost::asio::ip::tcp::acceptor peer_acceptor_;
    std::map<std::string, std::shared_ptr<peer_link>, std::less<>> links_;
    std::shared_ptr<std::size_t> handshakes_ = std::make_shared<std::size_t>(0);
    std::uint64_t handshakes_refused_ = 0;
    bool stopped_ = false;
};

} // namespace herd::peer
