#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "app/commands.hpp"
#include "herd/config.hpp"

namespace herd::app {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Copies everything the member sends to stdout until it closes the connection. Returns the
// error that ended it, or success when the member closed it cleanly.
boost::system::error_code print_replies(tcp::socket& socket) {
    char buffer[4096];
    boost::system::error_code error;
    for (;;) {
        const std::size_t n = socket.read_some(asio::buffer(buffer), error);
        if (error) {
            return error == asio::error::eof ? boost::system::error_code() : error;
        }
        std::fwrite(buffer, 1, n, stdout);
        std::fflush(stdout);
    }
}

} // namespace

int send(const std::string& name, const std::string& config_path, const std::optional<std::string>& line) {
    config::server_config target;
    try {
        target = config::load_config(config_path).server(name);
    } catch (const config::config_error& error) {
        std::fprintf(stderr, "herd: %s\n", error.what());
        return exit_bad_config;
    }
    asio::io_context io;
    tcp::socket socket(io);
    boost::system::error_code error;
    const tcp::endpoint endpoint(asio::ip::make_address(target.host, error), target.port);
    if (!error) {
        socket.connect(endpoint, error);
    }
    if (error) {
        std::fprintf(stderr, "herd: cannot connect to %s at %s:%u: %s\n", name.c_str(), target.host.c_str(),
                     target.port, error.message().c_str());
        return exit_failure;
    }
    boost::system::error_code read_error;
    std::thread reader([&socket, &read_error] { read_error = print_replies(socket); });
    if (line) {
        asio::write(socket, asio::buffer(*line + "\n"), error);
    } else {
        for (std::string input; !error && std::getline(std::cin, input);) {
            asio::write(socket, asio::buffer(input + "\n"), error);
        }
    }
    // Half-close: the member answers what it has read, then closes its side.
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    reader.join();
    // Lines not sent, or replies cut off, are a failure the caller must see.
    if (const auto& lost = error ? error : read_error) {
        std::fprintf(stderr, "herd: the connection to %s broke: %s (replies may be missing)\n", name.c_str(),
                     lost.message().c_str());
        return exit_failure;
    }
    return exit_ok;
}

} // namespace herd::app
