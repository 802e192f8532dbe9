// Fault injection on a real network: each member in its own network namespace, links cut one
// way or both ways, members isolated, links healed, under a steady IAMAT load (and netem delay
// and loss where the kernel has it). No member dies here, so nothing acknowledged may be lost:
// after the network heals, every member must keep the newest acknowledged update of every
// client. Prints the figures. Skipped, with the reason, where namespaces cannot be made, unless
// HERD_REQUIRE_NETNS is set (CI sets it, so there it fails instead).
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "running_herd.hpp"
#include "test_network.hpp"

namespace herd::testing_support {
namespace {

using steady = std::chrono::steady_clock;

TEST(partitions, acknowledged_updates_survive_cuts_isolation_and_heals) {
    if (const auto why = test_network::unavailable_reason(); !why.empty()) {
        if (std::getenv("HERD_REQUIRE_NETNS") != nullptr) {
            FAIL() << "HERD_REQUIRE_NETNS is set but " << why;
        }
        GTEST_SKIP() << why;
    }
    const auto names = default_names();
    test_network network(names);
    const bool netem = network.add_delay_and_loss("1ms", "1%");
    running_herd herd(names, default_links(), fast_peer_limits, &network);
    herd.start_all();
    ASSERT_TRUE(herd.wait_linked());

    const unsigned seed = 20261123;
    std::mt19937 random(seed);
    std::map<std::string, long long> newest_acknowledged; // client -> its newest acknowledged time
    long long clock = 0;
    int faults = 0;
    int updates = 0;
    const auto& links = herd.links();
    const auto stop_at = steady::now() + 25s; // bounded in time and in count
    while (faults < 40 && steady::now() < stop_at) {
        for (int i = 0; i < 30; ++i) {
            const std::string& member = names[random() % names.size()];
            const std::string client = fmt::format("c{}", random() % 100);
            const std::string at_line = herd.iamat(member, client, "+1+1", std::to_string(++clock));
            ASSERT_EQ(at_line.substr(0, at_line.find(' ', 3)), std::string("AT ").append(member)) << at_line;
            newest_acknowledged[client] = clock;
            ++updates;
        }
        // One fault: cut a link both ways, cut one way, isolate a member, or heal a link.
        const auto& [a, b] = links[random() % links.size()];
        switch (random() % 4) {
        case 0:
            network.cut(a, b);
            network.cut(b, a);
            break;
        case 1:
            network.cut(a, b);
            break;
        case 2:
            for (const auto& name : names) {
                if (name != a) {
                    network.cut(a, name);
                    network.cut(name, a);
                }
            }
            break;
        default:
            network.heal(a, b);
            network.heal(b, a);
            break;
        }
        ++faults;
        std::this_thread::sleep_for(std::chrono::milliseconds(100 + random() % 400));
    }
    network.heal_all();
    const auto healed = steady::now();

    std::size_t lost = 0;
    const bool converged = wait_until(
        [&] {
            lost = 0;
            for (const auto& [client, newest] : newest_acknowledged) {
                const auto agreed = herd.agreed(client);
                if (!agreed) {
                    return false; // members still disagree
                }
                lost += client_time_of(*agreed) < newest ? 1 : 0;
            }
            return lost == 0;
        },
        30s);
    const auto convergence = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - healed);
    std::size_t links_lost = 0; // the faults really broke links, not just delayed some packets
    for (const auto& name : names) {
        const std::string log = herd.log(name);
        for (auto at = log.find(" down: "); at != std::string::npos; at = log.find(" down: ", at + 1)) {
            ++links_lost;
        }
    }
    std::cout << "partition faults (seed " << seed << ", netns, netem " << (netem ? "1ms/1%" : "unavailable")
              << "): faults=" << faults << " updates=" << updates << " clients=" << newest_acknowledged.size()
              << " links_lost=" << links_lost << " lost=" << lost << " convergence_ms=" << convergence.count() << std::endl;
    EXPECT_TRUE(converged) << "members disagree or lost " << lost << " acknowledged updates";
    EXPECT_EQ(lost, 0u);
    EXPECT_GE(faults, 20);
    EXPECT_GE(links_lost, 10u);
}

} // namespace
} // namespace herd::testing_support
