#include "herd_process.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "../file_text.hpp"

extern char** environ;

namespace herd::testing_support {
namespace {

using clock = std::chrono::steady_clock;

sockaddr_in address_of(const std::string& host, std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
        throw std::runtime_error("not an IPv4 address: " + host);
    }
    return address;
}

sockaddr_in loopback(std::uint16_t port) { return address_of("127.0.0.1", port); }

int decode_status(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

} // namespace

namespace {

// Claims `port` for this test process until it exits, so that tests running side by side
// (ctest -j) never hand out the same port: an flock on a per-port file, released by the
// kernel when the process ends, however it ends.
// Returns the descriptor holding the claim, or -1 when another process holds it.
int reserve_for_this_process(std::uint16_t port) {
    const std::string dir = "/tmp/herd-test-ports";
    ::mkdir(dir.c_str(), 0777);
    const std::string path = dir + "/" + std::to_string(port);
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool bindable(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address = loopback(port);
    const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return free;
}

} // namespace

std::uint16_t free_port() {
    // Below the kernel's ephemeral range (ip_local_port_range starts at 32768 by default), so
    // no outgoing connection of any test can take the port between this check and the bind.
    static std::mt19937 random(std::random_device{}());
    static std::set<std::uint16_t> handed_out;
    for (int attempt = 0; attempt < 1000; ++attempt) {
        const auto port = static_cast<std::uint16_t>(20000 + random() % 12000);
        if (handed_out.contains(port)) {
            continue;
        }
        const int claim = reserve_for_this_process(port);
        if (claim >= 0 && bindable(port)) {
            handed_out.insert(port); // the claim stays open until this process exits
            return port;
        }
        if (claim >= 0) {
            ::close(claim);
        }
    }
    throw std::runtime_error("free_port: no free port in 20000-31999");
}

scratch_dir::scratch_dir() {
    std::string pattern = testing::TempDir() + "herd-test-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
}

scratch_dir::~scratch_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::string scratch_dir::read(const std::string& name) const { return testing_files::read_file(file(name)); }

void scratch_dir::write(const std::string& name, const std::string& text) const {
    std::ofstream(file(name), std::ios::binary) << text;
}

test_herd make_test_herd(const std::vector<std::string>& names) {
    ::setenv("HERD_SECRET", test_secret, 1); // children inherit it
    test_herd herd;
    for (const auto& name : names) {
        herd.ports[name] = free_port();
    }
    return herd;
}

std::string test_herd::write_config(const scratch_dir& dir) const {
    std::ostringstream toml;
    toml << "[herd]\nlog_dir = \"" << dir.file("logs") << "\"\nlog_level = \"" << log_level << "\"\nlinks = [";
    for (const auto& [a, b] : links) {
        toml << "[\"" << a << "\", \"" << b << "\"], ";
    }
    toml << "]\n\n";
    for (const auto& [name, port] : ports) {
        toml << "[servers." << name << "]\nhost = \"" << host(name) << "\"\nport = " << port << "\n\n";
    }
    toml << "[places]\nbackend = \"offline\"\nfile = \"" << HERD_TEST_DATA << "/places.json\"\n\n" << extra;
    dir.write("herd.toml", toml.str());
    return dir.file("herd.toml");
}

const std::string& test_herd::host(const std::string& name) const {
    static const std::string loopback_host = "127.0.0.1";
    const auto found = hosts.find(name);
    return found == hosts.end() ? loopback_host : found->second;
}

herd_process::herd_process(std::vector<std::string> args, const std::string& workdir, const std::string& label,
                           const std::string& stdin_path, const std::string& binary)
    : out_path_(workdir + "/" + label + ".stdout"), err_path_(workdir + "/" + label + ".stderr") {
    args.insert(args.begin(), binary);
    std::vector<char*> argv;
    for (auto& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addchdir_np(&actions, workdir.c_str());
    posix_spawn_file_actions_addopen(&actions, 0, stdin_path.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int error = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) {
        throw std::runtime_error(std::string("posix_spawn: ") + std::strerror(error));
    }
}

herd_process::~herd_process() {
    if (!status_) {
        signal(SIGTERM);
        if (!wait(5s)) {
            signal(SIGKILL);
            wait(5s);
        }
    }
}

void herd_process::signal(int sig) const {
    if (!status_) {
        ::kill(pid_, sig);
    }
}

std::optional<int> herd_process::wait(std::chrono::milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    while (!status_) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            status_ = decode_status(status);
        } else if (clock::now() > deadline) {
            break;
        } else {
            std::this_thread::sleep_for(5ms);
        }
    }
    return status_;
}

std::string herd_process::out() const { return testing_files::read_file(out_path_); }
std::string herd_process::err() const { return testing_files::read_file(err_path_); }

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    while (!condition()) {
        if (clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

bool port_accepts(std::uint16_t port, const std::string& host) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const sockaddr_in address = address_of(host, port);
    const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return ok;
}

std::unique_ptr<herd_process> start_member(const std::string& name, std::uint16_t port, const std::string& config,
                                           const std::string& workdir, const std::vector<std::string>& launcher,
                                           const std::string& host) {
    std::vector<std::string> args{"serve", name, "--config", config};
    std::unique_ptr<herd_process> process;
    if (launcher.empty()) {
        process = std::make_unique<herd_process>(args, workdir, name);
    } else {
        args.insert(args.begin(), HERD_BINARY);
        args.insert(args.begin(), launcher.begin() + 1, launcher.end());
        process = std::make_unique<herd_process>(args, workdir, name, "/dev/null", launcher.front());
    }
    const auto deadline = clock::now() + 20s;
    while (!port_accepts(port, host)) {
        if (process->wait(0ms) || clock::now() > deadline) {
            throw std::runtime_error("member " + name + " did not start: " + process->err());
        }
        std::this_thread::sleep_for(10ms);
    }
    return process;
}

run_result run_herd(const std::vector<std::string>& args, const std::string& workdir, const std::string& input,
                    std::chrono::milliseconds timeout) {
    const std::string input_path = workdir + "/run.stdin";
    std::ofstream(input_path, std::ios::binary) << input;
    herd_process process(args, workdir, "run", input_path);
    run_result result;
    const auto status = process.wait(timeout);
    result.status = status.value_or(-1);
    result.out = process.out();
    result.err = process.err();
    return result;
}

line_client::line_client(std::uint16_t port, int receive_buffer) : line_client("127.0.0.1", port, receive_buffer) {}

line_client::line_client(const std::string& host, std::uint16_t port, int receive_buffer) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer > 0) {
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    const sockaddr_in address = address_of(host, port);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        const std::string reason = std::strerror(errno);
        ::close(fd_);
        throw std::runtime_error("connect to port " + std::to_string(port) + ": " + reason);
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

line_client::~line_client() { ::close(fd_); }

void line_client::send(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) {
            throw std::runtime_error(std::string("send: ") + std::strerror(errno));
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

void line_client::shutdown_send() { ::shutdown(fd_, SHUT_WR); }

bool line_client::read_available(std::string& out, std::chrono::milliseconds timeout) {
    out += buffered_;
    buffered_.clear();
    return read_some(out, timeout);
}

bool line_client::read_some(std::string& out, std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
        return true; // nothing yet
    }
    char buffer[65536];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) {
        return false;
    }
    out.append(buffer, static_cast<std::size_t>(n));
    return true;
}

std::string line_client::read_lines(std::size_t count, std::chrono::milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    while (static_cast<std::size_t>(std::count(buffered_.begin(), buffered_.end(), '\n')) < count &&
           clock::now() < deadline) {
        if (!read_some(buffered_, 20ms)) {
            break;
        }
    }
    std::size_t end = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const auto lf = buffered_.find('\n', end);
        if (lf == std::string::npos) {
            end = buffered_.size();
            break;
        }
        end = lf + 1;
    }
    std::string result = buffered_.substr(0, end);
    buffered_.erase(0, end);
    return result;
}

std::string line_client::read_until(std::string_view suffix, std::chrono::milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    while (!std::string_view(buffered_).ends_with(suffix) && clock::now() < deadline) {
        if (!read_some(buffered_, 20ms)) {
            break;
        }
    }
    return std::exchange(buffered_, {});
}

bool line_client::read_to_eof(std::string& out, std::chrono::milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    out = std::exchange(buffered_, {});
    while (clock::now() < deadline) {
        if (!read_some(out, 20ms)) {
            return true;
        }
    }
    return false;
}

std::string now_seconds() {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    char text[32];
    std::snprintf(text, sizeof text, "%lld.%09lld", static_cast<long long>(ns / 1'000'000'000),
                  static_cast<long long>(ns % 1'000'000'000));
    return text;
}

int listen_on(std::uint16_t port) {
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0) {
        return -1;
    }
    const int yes = 1;
    ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener, 16) != 0) {
        ::close(listener);
        return -1;
    }
    return listener;
}

scripted_server::scripted_server(std::uint16_t port, std::chrono::milliseconds delay, std::string answer)
    : listener_(listen_on(port)), thread_([this, delay, answer = std::move(answer)] { serve(delay, answer); }) {}

scripted_server::~scripted_server() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
}

bool scripted_server::readable(int fd) const {
    pollfd wanted{fd, POLLIN, 0};
    while (!stop_) {
        if (::poll(&wanted, 1, 20) > 0) {
            return true;
        }
    }
    return false;
}

void scripted_server::serve(std::chrono::milliseconds delay, const std::string& answer) {
    if (listener_ < 0 || !readable(listener_)) {
        return;
    }
    const int connection = ::accept(listener_, nullptr, nullptr);
    std::string unread;
    char chunk[4096];
    while (connection >= 0 && readable(connection)) {
        const ssize_t n = ::read(connection, chunk, sizeof chunk);
        if (n <= 0) {
            break;
        }
        unread.append(chunk, static_cast<std::size_t>(n));
        for (std::size_t end; !stop_ && (end = unread.find('\n')) != std::string::npos; unread.erase(0, end + 1)) {
            std::this_thread::sleep_for(delay);
            if (::write(connection, answer.data(), answer.size()) != static_cast<ssize_t>(answer.size())) {
                break;
            }
        }
    }
    ::close(connection);
}

long resident_kib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.starts_with("VmRSS:")) {
            return std::stol(line.substr(6));
        }
    }
    return -1;
}

// Under AddressSanitizer freed memory waits in a quarantine, in RSS; members started after
// this skip it, so their RSS shows what they give back. Returns `extra` (for a fixture's
// initialiser, which runs before the base starts members).
std::string without_asan_quarantine(std::string extra) {
#if defined(__SANITIZE_ADDRESS__)
    const char* options = std::getenv("ASAN_OPTIONS");
    const std::string merged = (options != nullptr && *options != '\0' ? std::string(options) + ":" : "") +
                               "quarantine_size_mb=0:allocator_release_to_os_interval_ms=0";
    setenv("ASAN_OPTIONS", merged.c_str(), 1);
#endif
    return extra;
}

} // namespace herd::testing_support
