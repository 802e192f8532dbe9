#pragma once

// Test support: a whole herd of real member processes on loopback.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "herd_process.hpp"
#include "test_network.hpp"

namespace herd::testing_support {

// Peer timings short enough for tests to see failures and recoveries quickly.
inline constexpr const char* fast_peer_limits =
    "[limits]\npeer_heartbeat_ms = 100\npeer_timeout_ms = 1000\npeer_backoff_max_ms = 300\n"
    "peer_connect_timeout_ms = 1000\n";

using link_list = std::vector<std::pair<std::string, std::string>>;

// The default five-member topology of config/herd.toml.
link_list default_links();
std::vector<std::string> default_names();

// The client's time (integer seconds, as the fault tests send it) in an AT line; -1 for `?`.
long long client_time_of(const std::string& at_line);

class running_herd {
public:
    // Members on loopback, or each in its namespace of `network` (which must outlive the herd).
    running_herd(const std::vector<std::string>& names, link_list links, std::string extra = fast_peer_limits,
                 const test_network* network = nullptr);

    void start(const std::string& name);
    void start_all();
    void kill(const std::string& name); // SIGKILL, and reap
    bool running(const std::string& name) const { return members_.contains(name); }

    std::uint16_t port(const std::string& name) const { return herd_.ports.at(name); }
    const std::string& host(const std::string& name) const { return herd_.host(name); }
    const std::string& config() const { return config_; }
    const scratch_dir& dir() const { return dir_; }
    herd_process& process(const std::string& name) { return *members_.at(name); }

    // Sends one IAMAT to `name`; returns the AT line it answered (no LF).
    std::string iamat(const std::string& name, const std::string& client, const std::string& location,
                      const std::string& time);

    // The AT line `name` keeps for `client` (from `WHATSAT client 0 0`), or its `?` reply.
    std::string kept(const std::string& name, const std::string& client);

    // The AT line every running member keeps for `client`, or nothing while they disagree.
    std::optional<std::string> agreed(const std::string& client);

    // Waits until `name` keeps exactly `at_line` for `client`; false at the timeout.
    bool wait_for(const std::string& name, const std::string& client, const std::string& at_line,
                  std::chrono::milliseconds timeout = 10s);

    // The member's log as written so far.
    std::string log(const std::string& name) const;

    // How many times `name` has logged a link with `neighbour` coming up.
    std::size_t links_up(const std::string& name, const std::string& neighbour) const;

    // Waits until every link among running members has come up (as both ends log it);
    // false at the timeout.
    bool wait_linked(std::chrono::milliseconds timeout = 15s);

    // Waits until every link of `name` has come up at least `times` times at both ends.
    bool wait_links_of(const std::string& name, std::size_t times, std::chrono::milliseconds timeout);

    // Members reachable from `from` over links between running members.
    std::vector<std::string> reachable(const std::string& from) const;

    const link_list& links() const { return links_; }

    // Throws, with its stderr, if a member this herd started has exited on its own.
    void expect_alive();

private:
    // Waits until every link (of `of`, or all when empty) between running members has come
    // up at least `times` times at both ends.
    bool wait_links(const std::string& of, std::size_t times, std::chrono::milliseconds timeout);

    scratch_dir dir_;
    test_herd herd_;
    link_list links_;
    const test_network* network_;
    std::string config_;
    std::map<std::string, std::unique_ptr<herd_process>> members_;
};

} // namespace herd::testing_support
