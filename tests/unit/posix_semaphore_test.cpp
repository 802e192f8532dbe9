#include "server/posix_semaphore.hpp"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

namespace herd::server {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

TEST(posix_semaphore, counts_each_release_once) {
    posix_semaphore semaphore;
    semaphore.release();
    semaphore.release();
    EXPECT_TRUE(semaphore.try_acquire_for(0ms));
    EXPECT_TRUE(semaphore.try_acquire_for(0ms));
    EXPECT_FALSE(semaphore.try_acquire_for(0ms));
}

TEST(posix_semaphore, a_wait_with_nothing_released_ends_at_its_timeout) {
    posix_semaphore semaphore;
    const auto start = steady::now();
    EXPECT_FALSE(semaphore.try_acquire_for(50ms));
    EXPECT_GE(steady::now() - start, 50ms);
}

TEST(posix_semaphore, a_release_from_another_thread_wakes_the_waiter) {
    posix_semaphore semaphore;
    std::thread releaser([&] {
        std::this_thread::sleep_for(20ms);
        semaphore.release();
    });
    // Long enough that only the release can end the wait within the test's time.
    EXPECT_TRUE(semaphore.try_acquire_for(30s));
    releaser.join();
    EXPECT_FALSE(semaphore.try_acquire_for(0ms)); // the one count was taken
}

} // namespace
} // namespace herd::server
