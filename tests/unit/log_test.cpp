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
}

TEST(log, member_logger_writes_its_file) {
    const std::string dir = testing::TempDir() + "herd_log_test";
    std::filesystem::remove_all(dir);
    {
        const auto logger = make_member_logger(dir, "Unit");
        logger->info("hello {}", 42);
        logger->flush();
    }
    spdlog::drop("Unit");
    // The flush runs on the logging thread: wait for it, boundedly.
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (text.find("hello 42") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        std::ifstream file(dir + "/Unit.log");
        std::stringstream content;
        content << file.rdbuf();
        text = content.str();
    }
    EXPECT_NE(text.find("hello 42"), std::string::npos) << text;
}

TEST(log, unwritable_directory_is_a_clear_error) {
    EXPECT_THROW(make_member_logger("/proc/herd-cannot-create", "Unit2"), std::runtime_error);
}

} // namespace
} // namespace herd::server
