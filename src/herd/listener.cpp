#include "herd/listener.hpp"

#include <stdexcept>

namespace herd::net {

void listen_on(boost::asio::ip::tcp::acceptor& acceptor, const std::string& host, std::uint16_t port,
               std::string_view purpose) {
    using tcp = boost::asio::ip::tcp;
    try {
        const tcp::endpoint endpoint(boost::asio::ip::make_address(host), port);
        acceptor.open(endpoint.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen(boost::asio::socket_base::max_listen_connections);
    } catch (const boost::system::system_error& error) {
        throw std::runtime_error("cannot listen " + std::string(purpose) + "on " + host + ":" + std::to_string(port) +
                                 ": " + error.code().message());
    }
}

} // namespace herd::net
