// The ceiling for a line protocol on this machine: a minimal single-threaded epoll server that
// sends every complete line back, one read and one write per readable event. No parsing, no
// store, no log. Usage: echo_server PORT (listens on 127.0.0.1; SIGINT/SIGTERM stop it).
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

struct connection {
    std::string partial; // bytes after the last complete line
    std::string unsent;  // echoed bytes the socket did not take yet
    bool watching_out = false;
};

volatile std::sig_atomic_t stop = 0;

void on_signal(int) {
    stop = 1;
}

int fail(const char* what) {
    std::fprintf(stderr, "echo_server: %s: %s\n", what, std::strerror(errno));
    return 1;
}

// Writes what it can of `bytes`; keeps the rest in `c.unsent`. False when the peer is gone.
bool send_some(int fd, connection& c, const char* bytes, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::send(fd, bytes, size, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN) {
                c.unsent.append(bytes, size);
                return true;
            }
            return false;
        }
        bytes += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: echo_server PORT\n");
        return 2;
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    const int one = 1;
    ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[1])));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener, 4096) != 0) {
        return fail("bind");
    }
    const int poller = ::epoll_create1(0);
    epoll_event event{EPOLLIN, {.fd = listener}};
    ::epoll_ctl(poller, EPOLL_CTL_ADD, listener, &event);
    std::unordered_map<int, connection> connections;
    static char buffer[64 * 1024];
    epoll_event ready[256];
    while (stop == 0) {
        const int count = ::epoll_wait(poller, ready, 256, 200);
        for (int i = 0; i < count; ++i) {
            const int fd = ready[i].data.fd;
            if (fd == listener) {
                for (int client; (client = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK)) >= 0;) {
                    ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    epoll_event in{EPOLLIN, {.fd = client}};
                    ::epoll_ctl(poller, EPOLL_CTL_ADD, client, &in);
                    connections[client];
                }
                continue;
            }
            connection& c = connections[fd];
            bool alive = true;
            if ((ready[i].events & EPOLLOUT) != 0 && !c.unsent.empty()) {
                std::string pending;
                pending.swap(c.unsent);
                alive = send_some(fd, c, pending.data(), pending.size());
            }
            if (alive && (ready[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) {
                const ssize_t n = ::read(fd, buffer, sizeof buffer);
                if (n <= 0) {
                    alive = n < 0 && errno == EAGAIN;
                } else {
                    // Echo up to the last complete line; keep the rest for the next read.
                    std::size_t end = static_cast<std::size_t>(n);
                    while (end > 0 && buffer[end - 1] != '\n') {
                        --end;
                    }
                    if (end > 0) {
                        c.partial.append(buffer, end);
                        alive = c.unsent.empty() ? send_some(fd, c, c.partial.data(), c.partial.size())
                                                 : (c.unsent.append(c.partial), true);
                        c.partial.clear();
                    }
                    c.partial.append(buffer + end, static_cast<std::size_t>(n) - end);
                }
            }
            if (!alive) {
                ::close(fd);
                connections.erase(fd);
                continue;
            }
            if (c.watching_out == c.unsent.empty()) { // wait for room only while bytes wait
                c.watching_out = !c.unsent.empty();
                epoll_event wanted{c.watching_out ? EPOLLIN | EPOLLOUT : EPOLLIN, {.fd = fd}};
                ::epoll_ctl(poller, EPOLL_CTL_MOD, fd, &wanted);
            }
        }
    }
    return 0;
}
