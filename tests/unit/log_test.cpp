#include "server/log.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

namespace herd::server {
namespace {

TEST(log, escapes_odd_bytes_and_keeps_printable_ascii) {
    EXPECT_EQ(escape_for_log("IAMAT kiwi +1+1 1"), "IAMAT kiwi +1+1 1");
    EXPECT_EQ(escape_for_log(std::string_view("a\r\n\t\\\x01\x7f\xff\0b", 10)), "a\\r\\n\\t\\\\\\x01\\x7f\\xff\\x00b");
    // Formatted in place, inside a longer message, the same escaping.
    EXPECT_EQ(fmt::format("client 7 < {}!", escaped{std::string_view("x\x01y\n", 4)}), "client 7 < x\\x01y\\n!");
}

// The text of `path` once it holds `marker` (the flush runs on the logging thread), or what
// it holds after five seconds.
std::string read_when_written(const std::string& path, const std::string& marker) {
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (text.find(marker) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        std::ifstream file(path);
        std::stringstream content;
        content << file.rdbuf();
        text = content.str();
    }
    return text;
}

TEST(log, member_logger_writes_its_file) {
    const std::string dir = testing::TempDir() + "herd_log_test";
    std::filesystem::remove_all(dir);
    {
        const auto logger = make_member_logger(dir, "Unit");
        logger->info("hello {}", 42);
        logger->flush();
    }
    const std::string text = read_when_written(dir + "/Unit.log", "hello 42");
    EXPECT_NE(text.find("hello 42"), std::string::npos) << text;
}

TEST(log, member_logger_drops_lines_below_its_level) {
    const std::string dir = testing::TempDir() + "herd_log_level_test";
    std::filesystem::remove_all(dir);
    {
        const auto logger = make_member_logger(dir, "Quiet", "warn");
        logger->info("chatter {}", escaped{"IAMAT"});
        logger->warn("alarm");
        logger->flush();
    }
    const std::string text = read_when_written(dir + "/Quiet.log", "alarm");
    EXPECT_NE(text.find("alarm"), std::string::npos) << text;
    EXPECT_EQ(text.find("chatter"), std::string::npos) << text;
}

TEST(log, unwritable_directory_is_a_clear_error) {
    EXPECT_THROW(make_member_logger("/proc/herd-cannot-create", "Unit2"), std::runtime_error);
}

} // namespace
} // namespace herd::server
