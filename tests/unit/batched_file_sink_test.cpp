#include "server/batched_file_sink.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <spdlog/logger.h>

namespace herd::server {
namespace {

using namespace std::chrono_literals;

std::string read_file(const std::string& path) {
    std::ifstream file(path);
    std::stringstream content;
    content << file.rdbuf();
    return content.str();
}

// The text of `path` once it holds `marker`, or what it holds after five seconds.
std::string read_when_written(const std::string& path, const std::string& marker) {
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (text.find(marker) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(5ms);
        text = read_file(path);
    }
    return text;
}

struct sink_test : testing::Test {
    std::string path = testing::TempDir() + "herd_batched_sink_" +
                       testing::UnitTest::GetInstance()->current_test_info()->name() + ".log";
    void SetUp() override { std::filesystem::remove(path); }

    std::shared_ptr<spdlog::logger> logger(batched_file_sink::settings limits) {
        auto log = std::make_shared<spdlog::logger>("Unit", std::make_shared<batched_file_sink>(path, limits));
        log->set_pattern("%n %l %v");
        return log;
    }
};

constexpr auto never = std::chrono::hours(1);

TEST_F(sink_test, an_entry_waits_for_the_interval_then_reaches_the_file) {
    const auto log = logger({.interval = 20ms});
    log->info("first");
    EXPECT_EQ(read_when_written(path, "first"), "Unit info first\n");
}

TEST_F(sink_test, destroying_the_sink_writes_what_waits_in_order) {
    {
        const auto log = logger({.interval = never});
        for (int i = 0; i < 1000; ++i) {
            log->info("entry {}", i);
        }
        EXPECT_EQ(read_file(path), ""); // nothing asked for a write yet
    }
    std::string expected;
    for (int i = 0; i < 1000; ++i) {
        expected += "Unit info entry " + std::to_string(i) + "\n";
    }
    EXPECT_EQ(read_file(path), expected);
}

TEST_F(sink_test, a_full_batch_is_written_without_waiting_for_the_interval) {
    const auto log = logger({.interval = never, .batch_bytes = 100});
    for (int i = 0; i < 10; ++i) {
        log->info("entry {}", i); // 10 x 18 bytes: past the batch size
    }
    EXPECT_NE(read_when_written(path, "entry 5").find("entry 5"), std::string::npos);
}

TEST_F(sink_test, flush_hands_over_at_once) {
    const auto log = logger({.interval = never});
    log->info("before the flush");
    log->flush();
    EXPECT_EQ(read_when_written(path, "flush"), "Unit info before the flush\n");
}

TEST_F(sink_test, past_the_pending_limit_entries_are_dropped_and_counted) {
    {
        // The writer never wakes before the end: the limit is reached with nothing written.
        const auto log = logger({.interval = never, .batch_bytes = 1 << 20, .max_pending_bytes = 40});
        log->info("kept {}", 1);    // 17 bytes
        log->info("kept {}", 2);    // 34
        log->info("kept {}", 3);    // 51: past the limit, but it was below it when this came
        log->info("dropped {}", 4); // dropped
        log->info("dropped {}", 5); // dropped
    }
    EXPECT_EQ(read_file(path), "Unit info kept 1\nUnit info kept 2\nUnit info kept 3\n"
                               "Unit warning 2 log entries dropped: the log file did not keep up\n");
}

TEST_F(sink_test, appends_to_an_existing_file) {
    std::ofstream(path) << "earlier\n";
    {
        const auto log = logger({.interval = never});
        log->info("later");
    }
    EXPECT_EQ(read_file(path), "earlier\nUnit info later\n");
}

TEST_F(sink_test, an_unopenable_path_is_a_clear_error) {
    EXPECT_THROW(batched_file_sink("/proc/herd-no-such-dir/x.log"), spdlog::spdlog_ex);
}

} // namespace
} // namespace herd::server
