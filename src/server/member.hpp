#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "herd/config.hpp"
#include "herd/peer_hub.hpp"
#include "places/places_backend.hpp"
#include "server/log.hpp"
#include "server/request_handler.hpp"
#include "server/waiting_output.hpp"
#include "store/location_store.hpp"

namespace herd::server {

class client_session;

// One herd member: owns the client listener, the store, the client sessions and the peer
// hub, and wires them to the request handler and the places backend. Single-threaded:
// everything runs on the executor it is given.
class member {
public:
    // `secret` is the herd secret its peer links prove (may be empty for a member without
    // neighbours).
    member(boost::asio::any_io_executor executor, const config::herd_config& config, const std::string& name,
           std::string secret, places::places_backend& places, std::shared_ptr<member_logger> log);
    ~member();

    // Binds and listens on the member's host and port (and peer port), accepts clients and
    // links up with the neighbours. Throws std::runtime_error naming the address when it
    // cannot listen.
    void start();

    // Stops accepting and closes every peer link; each client connection ends once the lines
    // it already sent are answered. Calls `on_stopped` once the last session has ended (at
    // once when there is none).
    void stop(std::function<void()> on_stopped);

    boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

private:
    boost::asio::awaitable<void> accept_loop();
    // Serves an accepted connection until it ends. Throws (std::bad_alloc) when it cannot.
    void start_session(boost::asio::ip::tcp::socket socket);

    boost::asio::any_io_executor executor_;
    const config::server_config& self_;
    const config::limits_config& limits_;
    std::shared_ptr<member_logger> log_;
    store::location_store store_;
    peer::peer_hub peers_;
    request_handler handler_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::vector<char> read_buffer_ = std::vector<char>(config::client_read_bytes); // every session reads into it (see client_session)
    waiting_output waiting_output_; // the replies sessions hold for clients not taking them
    std::unordered_set<std::shared_ptr<client_session>> sessions_;
    std::uint64_t next_session_id_ = 1;
    std::function<void()> on_stopped_;
};

} // namespace herd::server
