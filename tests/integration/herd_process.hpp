#pragma once

// Test support: the real `herd` binary as child processes, and a plain TCP client.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

namespace herd::testing_support {

using namespace std::chrono_literals;

// A loopback port that was free a moment ago, chosen at random below the ephemeral range.
std::uint16_t free_port();

// A fresh directory under the test temp dir, removed when the object dies.
class scratch_dir {
public:
    scratch_dir();
    ~scratch_dir();
    scratch_dir(const scratch_dir&) = delete;
    scratch_dir& operator=(const scratch_dir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }
    std::string read(const std::string& name) const;
    void write(const std::string& name, const std::string& text) const;

private:
    std::string path_;
};

// The herd secret test members share (make_test_herd puts it in HERD_SECRET).
inline constexpr const char* test_secret = "test-herd-secret";

// A herd config for tests: members on free loopback ports, the fixture gazetteer.
struct test_herd {
    std::map<std::string, std::uint16_t> ports;
    std::map<std::string, std::string> hosts; // a member not named here is on 127.0.0.1
    std::vector<std::pair<std::string, std::string>> links;
    std::string extra; // appended TOML, e.g. a [limits] table
    std::string log_level = "debug"; // tests read what members log, link traffic included

    // Writes the config into `dir` and returns its path.
    std::string write_config(const scratch_dir& dir) const;
    const std::string& host(const std::string& name) const;
};
test_herd make_test_herd(const std::vector<std::string>& names);

// A child process running the herd binary (or `binary`) with `args` in `workdir`, output to
// files there.
class herd_process {
public:
    herd_process(std::vector<std::string> args, const std::string& workdir, const std::string& label = "herd",
                 const std::string& stdin_path = "/dev/null", const std::string& binary = HERD_BINARY);
    ~herd_process(); // SIGTERM, then SIGKILL if it lingers
    herd_process(const herd_process&) = delete;
    herd_process& operator=(const herd_process&) = delete;

    pid_t pid() const { return pid_; }
    void signal(int sig) const;
    // The exit status (WEXITSTATUS, or 128 + signal), or nothing if still running at the timeout.
    std::optional<int> wait(std::chrono::milliseconds timeout = 10s);
    std::string out() const;
    std::string err() const;

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
    std::string out_path_;
    std::string err_path_;
};

// Starts `herd serve NAME --config CONFIG` and waits until its port accepts connections.
// `launcher` goes before the binary (e.g. `ip netns exec NS`); `host` is where it listens.
std::unique_ptr<herd_process> start_member(const std::string& name, std::uint16_t port, const std::string& config,
                                           const std::string& workdir, const std::vector<std::string>& launcher = {},
                                           const std::string& host = "127.0.0.1");

// Runs the herd binary to completion (bounded), feeding `input` on stdin.
struct run_result {
    int status = -1;
    std::string out;
    std::string err;
};
run_result run_herd(const std::vector<std::string>& args, const std::string& workdir, const std::string& input = "",
                    std::chrono::milliseconds timeout = 20s);

// A blocking TCP client (on loopback unless told a host) with bounded waits.
class line_client {
public:
    // `receive_buffer` > 0 shrinks the socket's receive buffer (a client that reads slowly).
    explicit line_client(std::uint16_t port, int receive_buffer = 0);
    line_client(const std::string& host, std::uint16_t port, int receive_buffer = 0);
    ~line_client();
    line_client(const line_client&) = delete;
    line_client& operator=(const line_client&) = delete;

    void send(std::string_view bytes);
    void shutdown_send();
    // Reads until `count` complete lines have arrived in total (or EOF or the timeout).
    std::string read_lines(std::size_t count, std::chrono::milliseconds timeout = 5s);
    // Reads until the received bytes end with `suffix` (or EOF or the timeout).
    std::string read_until(std::string_view suffix, std::chrono::milliseconds timeout = 5s);
    // Reads until the member closes the connection (or the timeout); true when it did.
    bool read_to_eof(std::string& out, std::chrono::milliseconds timeout = 5s);
    // Appends to `out` what earlier reads left buffered and what arrives within `timeout` (a
    // stream too long to take line by line); false on EOF or error.
    bool read_available(std::string& out, std::chrono::milliseconds timeout);

private:
    // Reads what is there within `timeout`; returns false on EOF or error.
    bool read_some(std::string& out, std::chrono::milliseconds timeout);

    int fd_ = -1;
    std::string buffered_;
};

// The current POSIX time as `S.NNNNNNNNN`, for IAMATs whose time difference must be small.
std::string now_seconds();

// Polls `condition` until it holds (true) or `timeout` passes (false).
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// A socket listening on 127.0.0.1:`port`, or -1.
int listen_on(std::uint16_t port);

// A stand-in for a member on `port`: takes one connection and answers each line it reads with
// `answer`, `delay` after reading it. Stops when the client closes, or when destroyed.
class scripted_server {
public:
    scripted_server(std::uint16_t port, std::chrono::milliseconds delay, std::string answer);
    ~scripted_server();
    scripted_server(const scripted_server&) = delete;
    scripted_server& operator=(const scripted_server&) = delete;

    bool listening() const { return listener_ >= 0; }

private:
    // Waits until `fd` is readable; false once stopped.
    bool readable(int fd) const;
    void serve(std::chrono::milliseconds delay, const std::string& answer);

    int listener_;
    std::atomic<bool> stop_{false};
    std::thread thread_; // last: uses the members above
};

// The resident set size of process `pid` in KiB (VmRSS), or -1 when it cannot be read.
long resident_kib(pid_t pid);

// Under AddressSanitizer freed memory waits in a quarantine, in RSS; members started after
// this skip it, so their RSS shows what they give back. Returns `extra` (for a fixture's
// initialiser, which runs before the base starts members).
std::string without_asan_quarantine(std::string extra);

// True when a connection to `host`:`port` can be opened.
bool port_accepts(std::uint16_t port, const std::string& host = "127.0.0.1");

} // namespace herd::testing_support
