#pragma once

// Test support: a network of its own for a herd. One network namespace per member, each with
// one veth into a bridge in the test's namespace, so members talk over a real (virtual)
// network that the test can cut, heal and (where the kernel has netem) slow down and make
// lossy. Everything is created by the test and removed by the destructor. Needs root.
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace herd::testing_support {

class test_network {
public:
    // Why namespaces cannot be made here (not root, no iproute2, ...), or empty when they can.
    static std::string unavailable_reason();

    explicit test_network(const std::vector<std::string>& names);
    ~test_network();
    test_network(const test_network&) = delete;
    test_network& operator=(const test_network&) = delete;

    // The address `name` listens on, inside its namespace.
    const std::string& host(const std::string& name) const;
    // The command prefix that runs a program inside `name`'s namespace.
    std::vector<std::string> launcher(const std::string& name) const;

    // Drops every packet `from` sends to `to` (a one-way cut); heal lifts it.
    void cut(const std::string& from, const std::string& to);
    void heal(const std::string& from, const std::string& to);
    void heal_all();
    bool is_cut(const std::string& from, const std::string& to) const { return cuts_.contains({from, to}); }

    // Adds netem delay and loss on every member's interface; false when the kernel lacks netem.
    bool add_delay_and_loss(const std::string& delay, const std::string& loss);

private:
    struct member_net {
        std::string name;
        std::string netns;
        std::string address;
    };
    const member_net& member(const std::string& name) const;

    std::string bridge_;
    std::vector<member_net> members_;
    std::set<std::pair<std::string, std::string>> cuts_;
};

} // namespace herd::testing_support
