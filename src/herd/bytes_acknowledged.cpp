#include "herd/bytes_acknowledged.hpp"

#include <cstddef>

// The kernel's struct tcp_info (glibc's lacks tcpi_bytes_acked); kept out of files that include
// <netinet/tcp.h>, which defines a struct of the same name.
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace herd::peer {

std::optional<std::uint64_t> bytes_acknowledged(int fd) {
    tcp_info info{};
    socklen_t size = sizeof info;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0 ||
        size < offsetof(tcp_info, tcpi_bytes_acked) + sizeof info.tcpi_bytes_acked) {
        return std::nullopt;
    }
    return info.tcpi_bytes_acked;
}

} // namespace herd::peer
