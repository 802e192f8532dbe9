#include "herd/deadline.hpp"

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace herd::peer {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// An operation that takes `pause`, then returns "done" (or throws, when `fail`).
asio::awaitable<std::string> after(std::chrono::milliseconds pause, bool fail) {
    asio::steady_timer timer(co_await asio::this_coro::executor, pause);
    co_await timer.async_wait(asio::use_awaitable);
    if (fail) {
        throw std::runtime_error("broken");
    }
    co_return "done";
}

// Runs with_deadline(after(pause, fail), timeout) to its end; what it returned or threw, and
// how long it took.
struct outcome {
    std::optional<std::string> result;
    std::string failure;
    std::chrono::steady_clock::duration took{};
};

outcome run(std::chrono::milliseconds pause, bool fail, std::chrono::milliseconds timeout) {
    asio::io_context io;
    outcome out;
    const auto start = std::chrono::steady_clock::now();
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        try {
            out.result = co_await with_deadline(after(pause, fail), timeout);
        } catch (const std::runtime_error& error) {
            out.failure = error.what();
        }
    }, asio::detached);
    io.run();
    out.took = std::chrono::steady_clock::now() - start;
    return out;
}

TEST(with_deadline, an_operation_done_in_time_gives_its_result_at_once) {
    const outcome out = run(10ms, false, 5s);
    EXPECT_EQ(out.result, "done");
    EXPECT_LT(out.took, 2s); // not held until the timeout
}

TEST(with_deadline, an_operation_past_the_timeout_is_cancelled_and_gives_nothing) {
    const outcome out = run(10s, false, 50ms);
    EXPECT_EQ(out.result, std::nullopt);
    EXPECT_TRUE(out.failure.empty());
    EXPECT_LT(out.took, 5s); // the operation's own wait was cancelled
}

TEST(with_deadline, an_operation_that_throws_passes_the_exception_on_at_once) {
    const outcome out = run(10ms, true, 5s);
    EXPECT_EQ(out.failure, "broken");
    EXPECT_EQ(out.result, std::nullopt);
    EXPECT_LT(out.took, 2s); // not reported as a timeout once the timeout has passed
}

} // namespace
} // namespace herd::peer
