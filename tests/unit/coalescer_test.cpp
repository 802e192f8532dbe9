#include "places/coalescer.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace herd::places {
namespace {

namespace asio = boost::asio;

TEST(coalescer, callers_of_one_key_share_one_computation) {
    asio::io_context io;
    coalescer<std::string, int> shared;
    int computations = 0;
    std::vector<int> results;
    const auto compute = [&]() -> asio::awaitable<int> {
        const int mine = ++computations;
        asio::steady_timer pause(io, std::chrono::milliseconds(20));
        co_await pause.async_wait(asio::use_awaitable);
        co_return 42 + mine;
    };
    for (int i = 0; i < 5; ++i) {
        asio::co_spawn(io, [&]() -> asio::awaitable<void> { results.push_back(co_await shared.run("k", compute)); },
                       asio::detached);
    }
    asio::co_spawn(io, [&]() -> asio::awaitable<void> { results.push_back(co_await shared.run("other", compute)); },
                   asio::detached);
    io.run();
    EXPECT_EQ(computations, 2);
    ASSERT_EQ(results.size(), 6u);
    EXPECT_EQ(std::count(results.begin(), results.end(), results.front()), 5);
    EXPECT_EQ(shared.in_flight(), 0u);
}

TEST(coalescer, a_failure_reaches_every_waiter) {
    asio::io_context io;
    coalescer<std::string, int> shared;
    int failures = 0;
    int computations = 0;
    const auto compute = [&]() -> asio::awaitable<int> {
        ++computations;
        asio::steady_timer pause(io, std::chrono::milliseconds(10));
        co_await pause.async_wait(asio::use_awaitable);
        throw std::runtime_error("upstream bug");
    };
    for (int i = 0; i < 3; ++i) {
        asio::co_spawn(io, [&]() -> asio::awaitable<void> {
            try {
                co_await shared.run("k", compute);
            } catch (const std::runtime_error&) {
                ++failures;
            }
        }, asio::detached);
    }
    io.run();
    EXPECT_EQ(computations, 1); // one upstream failure, shared: not three calls failing alike
    EXPECT_EQ(failures, 3);
}

} // namespace
} // namespace herd::places
