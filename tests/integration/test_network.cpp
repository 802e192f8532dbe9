#include "test_network.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <unistd.h>

#include "herd_process.hpp"

namespace herd::testing_support {
namespace {

constexpr const char* ip_binary = "/usr/sbin/ip";
constexpr const char* tc_binary = "/usr/sbin/tc";

// Runs `binary args...` to completion; returns its stderr when it fails, empty when it succeeds.
std::string try_run(const std::string& binary, const std::vector<std::string>& args) {
    static scratch_dir output; // where the commands' stdout/stderr land
    herd_process command(args, output.path(), "netcmd", "/dev/null", binary);
    const auto status = command.wait(10s);
    if (status == 0) {
        return {};
    }
    std::string why = command.err();
    return why.empty() ? fmt::format("exit status {}", status.value_or(-1)) : why;
}

void run(const std::string& binary, const std::vector<std::string>& args) {
    if (const auto why = try_run(binary, args); !why.empty()) {
        std::string line = binary;
        for (const auto& arg : args) {
            line += " " + arg;
        }
        throw std::runtime_error(fmt::format("`{}` failed: {}", line, why));
    }
}

void ip(const std::vector<std::string>& args) { run(ip_binary, args); }

// The /24 this test process uses: distinct per process, in 10.213/16.
int subnet() { return static_cast<int>(::getpid() % 250); }

} // namespace

std::string test_network::unavailable_reason() {
    if (::geteuid() != 0) {
        return "network namespaces need root";
    }
    if (::access(ip_binary, X_OK) != 0) {
        return "iproute2 (/usr/sbin/ip) is not installed";
    }
    const std::string probe = fmt::format("herdprobe{}", ::getpid());
    if (auto why = try_run(ip_binary, {"netns", "add", probe}); !why.empty()) {
        return "cannot make a network namespace: " + why;
    }
    try_run(ip_binary, {"netns", "del", probe});
    return {};
}

test_network::test_network(const std::vector<std::string>& names) : bridge_(fmt::format("hb{}", ::getpid())) {
    ip({"link", "add", bridge_, "type", "bridge"});
    ip({"addr", "add", fmt::format("10.213.{}.254/24", subnet()), "dev", bridge_});
    ip({"link", "set", bridge_, "up"});
    for (std::size_t i = 0; i < names.size(); ++i) {
        member_net net{names[i], fmt::format("herd{}-{}", ::getpid(), names[i]),
                       fmt::format("10.213.{}.{}", subnet(), i + 1)};
        const std::string outside = fmt::format("hv{}x{}", ::getpid(), i);
        ip({"netns", "add", net.netns});
        members_.push_back(net); // from here on the destructor removes it
        ip({"link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", net.netns});
        ip({"link", "set", outside, "master", bridge_});
        ip({"link", "set", outside, "up"});
        ip({"-n", net.netns, "addr", "add", net.address + "/24", "dev", "eth0"});
        ip({"-n", net.netns, "link", "set", "eth0", "up"});
        ip({"-n", net.netns, "link", "set", "lo", "up"});
    }
}

test_network::~test_network() {
    for (const auto& net : members_) {
        try_run(ip_binary, {"netns", "del", net.netns}); // takes its end of the veth with it
    }
    try_run(ip_binary, {"link", "del", bridge_});
}

const test_network::member_net& test_network::member(const std::string& name) const {
    for (const auto& net : members_) {
        if (net.name == name) {
            return net;
        }
    }
    throw std::out_of_range("test_network: no member " + name);
}

const std::string& test_network::host(const std::string& name) const { return member(name).address; }

std::vector<std::string> test_network::launcher(const std::string& name) const {
    return {ip_binary, "netns", "exec", member(name).netns};
}

void test_network::cut(const std::string& from, const std::string& to) {
    if (cuts_.insert({from, to}).second) {
        ip({"-n", member(from).netns, "route", "add", "blackhole", member(to).address + "/32"});
    }
}

void test_network::heal(const std::string& from, const std::string& to) {
    if (cuts_.erase({from, to}) > 0) {
        ip({"-n", member(from).netns, "route", "del", "blackhole", member(to).address + "/32"});
    }
}

void test_network::heal_all() {
    while (!cuts_.empty()) {
        const auto [from, to] = *cuts_.begin();
        heal(from, to);
    }
}

bool test_network::add_delay_and_loss(const std::string& delay, const std::string& loss) {
    for (const auto& net : members_) {
        if (!try_run(tc_binary, {"-n", net.netns, "qdisc", "add", "dev", "eth0", "root", "netem", "delay", delay,
                                 "loss", loss})
                 .empty()) {
            return false;
        }
    }
    return true;
}

} // namespace herd::testing_support
