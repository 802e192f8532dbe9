#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>

namespace herd::net {

// Opens, binds (with SO_REUSEADDR) and listens on host:port. Throws std::runtime_error
// "cannot listen <purpose>on host:port: reason" when it cannot.
void listen_on(boost::asio::ip::tcp::acceptor& acceptor, const std::string& host, std::uint16_t port,
               std::string_view purpose = "");

} // namespace herd::net
