#include "server/log.hpp"

#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include "server/batched_file_sink.hpp"
#include "server/log_line_formatter.hpp"

#include "../file_text.hpp"

namespace herd::server {
namespace {

TEST(log, escapes_odd_bytes_and_keeps_printable_ascii) {
    EXPECT_EQ(escape_for_log("IAMAT kiwi +1+1 1"), "IAMAT kiwi +1+1 1");
    EXPECT_EQ(escape_for_log(std::string_view("a\r\n\t\\\x01\x7f\xff\0b", 10)), "a\\r\\n\\t\\\\\\x01\\x7f\\xff\\x00b");
    // Formatted in place, inside a longer message, the same escaping.
    EXPECT_EQ(fmt::format("client 7 < {}!", escaped{std::string_view("x\x01y\n", 4)}), "client 7 < x\\x01y\\n!");
}

// Plain bytes are skipped eight at a time: every byte value at every place of a 24-byte text
// (each of the eight places in a word, and the tail), and a text of every byte value then UTF-8,
// are escaped as each byte alone would be.
TEST(log, every_byte_at_every_place_is_escaped_alike) {
    const auto one_byte = [](unsigned char byte) -> std::string {
        if (byte >= 0x20 && byte < 0x7f && byte != '\\') {
            return std::string(1, static_cast<char>(byte));
        }
        switch (byte) {
        case '\\': return "\\\\";
        case '\n': return "\\n";
        case '\r': return "\\r";
        case '\t': return "\\t";
        default: return fmt::format("\\x{:02x}", byte);
        }
    };
    // Every byte value in order, then UTF-8 text: words mixing plain and odd bytes.
    std::string mixed;
    for (int value = 0; value < 256; ++value) {
        mixed += static_cast<char>(value);
    }
    mixed += "IAMAT caf\xc3\xa9-\xe6\x9d\xb1\xe4\xba\xac +1+1 1\\\r";
    std::string expected_mixed;
    for (const char c : mixed) {
        expected_mixed += one_byte(static_cast<unsigned char>(c));
    }
    EXPECT_EQ(escape_for_log(mixed), expected_mixed);
    for (std::size_t at = 0; at < 24; ++at) {
        for (int value = 0; value < 256; ++value) {
            std::string text(24, 'k');
            text[at] = static_cast<char>(value);
            const std::string expected = std::string(at, 'k') + one_byte(static_cast<unsigned char>(value)) +
                                         std::string(23 - at, 'k');
            ASSERT_EQ(escape_for_log(text), expected) << "byte " << value << " at " << at;
        }
    }
}

// The hand-written formatter writes exactly what the pattern it replaced wrote: at the start
// and end of a second, across a second, a day and a year, with fractions that need leading
// zeros, and at each level.
TEST(log, line_formatter_writes_what_the_old_pattern_wrote) {
    spdlog::pattern_formatter pattern("%Y-%m-%dT%H:%M:%S.%fZ %n %l %v", spdlog::pattern_time_type::utc);
    log_line_formatter fast;
    const std::int64_t micros[] = {1'764'570'672'000'000, 1'764'570'672'000'001, 1'764'570'672'999'999,
                                   1'764'570'673'000'000, 1'764'570'673'012'345, 1'767'225'599'999'999,
                                   1'767'225'600'000'000, 1'767'225'600'500'000, 0,
                                   1'764'570'672'123'456};
    const spdlog::level::level_enum levels[] = {spdlog::level::debug, spdlog::level::info, spdlog::level::warn,
                                                spdlog::level::err, spdlog::level::critical};
    for (const std::int64_t at : micros) {
        for (const auto level : levels) {
            spdlog::details::log_msg msg("Bailey", level, "client 7 < IAMAT kiwi +1+1 1");
            msg.time = spdlog::log_clock::time_point(std::chrono::microseconds(at));
            spdlog::memory_buf_t expected;
            spdlog::memory_buf_t got;
            pattern.format(msg, expected);
            fast.format(msg, got);
            EXPECT_EQ(fmt::to_string(got), fmt::to_string(expected)) << at;
        }
    }
}

using testing_files::read_when_written;

TEST(log, member_logger_writes_its_file) {
    const std::string dir = testing::TempDir() + "herd_log_test";
    std::filesystem::remove_all(dir);
    {
        const auto logger = make_member_logger(dir, "Unit");
        logger->info("hello {}", 42);
        logger->flush();
    }
    const std::string text = read_when_written(dir + "/Unit.log", "hello 42");
    EXPECT_TRUE(std::regex_match(text, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z Unit info hello 42\n)")))
        << text;
}

// A client's line and the reply, as the member logs them: one entry each, escaped, at info,
// laid out like every other entry and in order with them.
TEST(log, traffic_entries_name_the_client_and_escape_the_bytes) {
    const std::string dir = testing::TempDir() + "herd_log_traffic_test";
    std::filesystem::remove_all(dir);
    {
        const auto logger = make_member_logger(dir, "Unit");
        logger->info("first");
        logger->traffic(18446744073709551615u, '<', std::string_view("x\x01y\n", 4));
        logger->traffic(7, '>', std::string(70'000, 'a')); // longer than a block (64 KiB)
        logger->traffic(7, '>', "AT\n");
        logger->info("last");
        logger->set_level(spdlog::level::warn);
        logger->traffic(8, '<', "quiet");
        logger->flush();
    }
    const std::string text = read_when_written(dir + "/Unit.log", "last");
    // Each line after its time stamp (checked, then cut off).
    std::vector<std::string> entries;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        const std::size_t stamp_bytes = std::string_view("2026-12-01T06:31:12.123456Z ").size();
        EXPECT_TRUE(std::regex_match(line.substr(0, stamp_bytes), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z )")))
            << line.substr(0, 80);
        entries.push_back(line.substr(std::min(stamp_bytes, line.size())));
    }
    const std::vector<std::string> expected{"Unit info first",
                                            "Unit info client 18446744073709551615 < x\\x01y\\n",
                                            "Unit info client 7 > " + std::string(70'000, 'a'),
                                            "Unit info client 7 > AT\\n", "Unit info last"};
    EXPECT_EQ(entries, expected);
    EXPECT_TRUE(text.ends_with("last\n"));
}

// Client traffic is written only when the file sink takes info as well as the logger.
TEST(log, traffic_follows_the_file_sinks_level_too) {
    const std::string dir = testing::TempDir() + "herd_log_sink_level_test";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string path = dir + "/Unit.log";
    {
        auto file = std::make_shared<batched_file_sink>(path);
        file->set_level(spdlog::level::warn);
        auto console = std::make_shared<batched_file_sink>(STDERR_FILENO, batched_file_sink::settings{});
        console->set_level(spdlog::level::off);
        member_logger logger("Unit", file, console);
        logger.traffic(7, '<', "hidden");
        logger.warn("alarm");
        logger.flush();
    }
    const std::string text = read_when_written(path, "alarm");
    EXPECT_NE(text.find("alarm"), std::string::npos) << text;
    EXPECT_EQ(text.find("hidden"), std::string::npos) << text;
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
