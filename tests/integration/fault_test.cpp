// Fault injection: a steady IAMAT load while members are SIGKILLed and restarted at random.
// Afterwards every update acknowledged by a member that lived on for a second is on every
// member (itself or a newer one), and the members agree. Prints the figures.
#include <iostream>
#include <map>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "running_herd.hpp"

namespace herd::testing_support {
namespace {

using steady = std::chrono::steady_clock;

struct acknowledged {
    std::string origin;
    long long client_time = 0;
    steady::time_point at;
};

TEST(faults, acknowledged_updates_survive_random_kills_and_restarts) {
    const auto names = default_names();
    running_herd herd(names, default_links());
    herd.start_all();
    ASSERT_TRUE(herd.wait_linked());

    const unsigned seed = 20261122;
    std::mt19937 random(seed);
    std::map<std::string, std::vector<acknowledged>> acks; // client -> its acknowledged reports
    std::map<std::string, std::vector<steady::time_point>> kills;
    long long clock = 0;
    int faults = 0;
    int updates = 0;
    const auto stop_at = steady::now() + 25s; // bounded in time and in count
    while (faults < 24 && steady::now() < stop_at) {
        for (int i = 0; i < 40; ++i) {
            std::vector<std::string> live;
            for (const auto& name : names) {
                if (herd.running(name)) {
                    live.push_back(name);
                }
            }
            const std::string member = live[random() % live.size()];
            const std::string client = fmt::format("c{}", random() % 100);
            const std::string at_line = herd.iamat(member, client, "+1+1", std::to_string(++clock));
            ASSERT_EQ(at_line.substr(0, at_line.find(' ', 3)), std::string("AT ").append(member)) << at_line;
            acks[client].push_back({member, clock, steady::now()});
            ++updates;
        }
        // One fault: kill a running member (keeping two up), or restart a dead one.
        const std::string victim = names[random() % names.size()];
        std::size_t running = 0;
        for (const auto& name : names) {
            running += herd.running(name) ? 1 : 0;
        }
        if (herd.running(victim) && running > 2) {
            herd.kill(victim);
            kills[victim].push_back(steady::now());
        } else if (!herd.running(victim)) {
            herd.start(victim);
        }
        ++faults;
    }
    for (const auto& name : names) {
        if (!herd.running(name)) {
            herd.start(name);
        }
    }
    const auto healed = steady::now();

    // An update is durable when its origin was not killed within a second of acknowledging it
    // (a member killed at once may take an update nobody else has heard of yet with it).
    const auto durable = [&](const acknowledged& a) {
        for (const auto& kill : kills[a.origin]) {
            if (kill >= a.at && kill - a.at < 1s) {
                return false;
            }
        }
        return true;
    };
    std::size_t lost = 0;
    std::size_t durable_clients = 0;
    const bool converged = wait_until(
        [&] {
            lost = 0;
            durable_clients = 0;
            for (const auto& [client, reports] : acks) {
                const auto agreed = herd.agreed(client);
                if (!agreed) {
                    return false; // members still disagree
                }
                long long newest_durable = -1;
                for (const auto& report : reports) {
                    if (durable(report)) {
                        newest_durable = std::max(newest_durable, report.client_time);
                    }
                }
                if (newest_durable >= 0) {
                    ++durable_clients;
                    lost += client_time_of(*agreed) < newest_durable ? 1 : 0;
                }
            }
            return lost == 0;
        },
        30s);
    const auto convergence = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - healed);
    std::cout << "fault injection (seed " << seed << "): faults=" << faults << " updates=" << updates
              << " clients=" << acks.size() << " durable_clients=" << durable_clients << " lost=" << lost
              << " convergence_ms=" << convergence.count() << std::endl;
    EXPECT_TRUE(converged) << "members disagree or lost " << lost << " acknowledged updates";
    EXPECT_EQ(lost, 0u);
    EXPECT_GE(faults, 10);
}

} // namespace
} // namespace herd::testing_support
