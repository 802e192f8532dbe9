#include "running_herd.hpp"

#include <algorithm>
#include <csignal>
#include <set>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

namespace herd::testing_support {
namespace {

std::size_t count(const std::string& text, const std::string& part) {
    std::size_t n = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) {
        ++n;
    }
    return n;
}

} // namespace

link_list default_links() {
    return {{"Clark", "Jaquez"},   {"Clark", "Bona"},     {"Campbell", "Bailey"},
            {"Campbell", "Bona"},  {"Campbell", "Jaquez"}, {"Bona", "Bailey"}};
}

long long client_time_of(const std::string& at_line) {
    return at_line.starts_with("AT ") ? std::stoll(at_line.substr(at_line.rfind(' ') + 1)) : -1;
}

std::vector<std::string> default_names() { return {"Bailey", "Bona", "Campbell", "Clark", "Jaquez"}; }

running_herd::running_herd(const std::vector<std::string>& names, link_list links, std::string extra,
                           const test_network* network)
    : herd_(make_test_herd(names)), links_(std::move(links)), network_(network) {
    herd_.links = links_;
    for (const auto& name : names) {
        if (network_ != nullptr) {
            herd_.hosts[name] = network_->host(name);
        }
    }
    herd_.extra = std::move(extra);
    config_ = herd_.write_config(dir_);
}

void running_herd::start(const std::string& name) {
    const auto launcher = network_ != nullptr ? network_->launcher(name) : std::vector<std::string>{};
    members_[name] = start_member(name, port(name), config_, dir_.path(), launcher, host(name));
}

void running_herd::start_all() {
    for (const auto& [name, port] : herd_.ports) {
        start(name);
    }
}

void running_herd::kill(const std::string& name) {
    auto& member = members_.at(name);
    member->signal(SIGKILL);
    member->wait();
    members_.erase(name);
}

std::string running_herd::iamat(const std::string& name, const std::string& client, const std::string& location,
                                const std::string& time) {
    line_client client_connection(host(name), port(name));
    client_connection.send("IAMAT " + client + " " + location + " " + time + "\n");
    std::string line = client_connection.read_lines(1);
    if (!line.empty() && line.back() == '\n') {
        line.pop_back();
    }
    return line;
}

std::string running_herd::kept(const std::string& name, const std::string& client) {
    line_client connection(host(name), port(name));
    connection.send("WHATSAT " + client + " 0 0\n");
    connection.shutdown_send();
    std::string reply;
    connection.read_to_eof(reply, 5s);
    return reply.substr(0, reply.find('\n'));
}

std::optional<std::string> running_herd::agreed(const std::string& client) {
    std::set<std::string> seen;
    for (const auto& [name, member] : members_) {
        seen.insert(kept(name, client));
    }
    return seen.size() == 1 ? std::optional(*seen.begin()) : std::nullopt;
}

bool running_herd::wait_for(const std::string& name, const std::string& client, const std::string& at_line,
                            std::chrono::milliseconds timeout) {
    return wait_until([&] { return kept(name, client) == at_line; }, timeout);
}

std::string running_herd::log(const std::string& name) const { return dir_.read("logs/" + name + ".log"); }

std::size_t running_herd::links_up(const std::string& name, const std::string& neighbour) const {
    return count(log(name), " link with " + neighbour + " up\n");
}

void running_herd::expect_alive() {
    for (const auto& [name, member] : members_) {
        if (const auto status = member->wait(0ms)) {
            throw std::runtime_error(fmt::format("member {} exited with status {}: {}", name, *status, member->err()));
        }
    }
}

bool running_herd::wait_links(const std::string& of, std::size_t times, std::chrono::milliseconds timeout) {
    return wait_until(
        [&] {
            expect_alive(); // a member that died will never link; say why at once
            return std::all_of(links_.begin(), links_.end(), [&](const auto& link) {
                const auto& [a, b] = link;
                const bool concerned = of.empty() || a == of || b == of;
                return !concerned || !running(a) || !running(b) ||
                       (links_up(a, b) >= times && links_up(b, a) >= times);
            });
        },
        timeout);
}

bool running_herd::wait_linked(std::chrono::milliseconds timeout) { return wait_links("", 1, timeout); }

bool running_herd::wait_links_of(const std::string& name, std::size_t times, std::chrono::milliseconds timeout) {
    return wait_links(name, times, timeout);
}

std::vector<std::string> running_herd::reachable(const std::string& from) const {
    std::set<std::string> seen{from};
    std::vector<std::string> frontier{from};
    while (!frontier.empty()) {
        const std::string at = frontier.back();
        frontier.pop_back();
        for (const auto& [a, b] : links_) {
            for (const auto& [x, y] : {std::pair{a, b}, std::pair{b, a}}) {
                if (x == at && running(y) && seen.insert(y).second) {
                    frontier.push_back(y);
                }
            }
        }
    }
    return {seen.begin(), seen.end()};
}

} // namespace herd::testing_support
