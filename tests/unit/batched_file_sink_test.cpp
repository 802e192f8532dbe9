#include "server/batched_file_sink.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>

#include "../file_text.hpp"

namespace herd::server {
namespace {

using namespace std::chrono_literals;

using testing_files::read_file;
using testing_files::read_when_written;

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
    const auto log = logger({.interval = 500ms});
    log->info("first");
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(read_file(path), ""); // not written at once: it waits for more
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

// Rotation by renaming (logrotate's default, then SIGHUP): what was written before stays in
// the renamed file, what comes after goes to a new file at the path.
TEST_F(sink_test, reopen_writes_later_entries_to_a_new_file_at_the_path) {
    const auto sink = std::make_shared<batched_file_sink>(path, batched_file_sink::settings{.interval = 20ms});
    spdlog::logger log("Unit", sink);
    log.set_pattern("%n %l %v");
    log.info("before");
    ASSERT_EQ(read_when_written(path, "before"), "Unit info before\n");
    const std::string rotated = path + ".1";
    std::filesystem::rename(path, rotated);
    sink->reopen();
    log.info("after");
    EXPECT_EQ(read_when_written(path, "after"), "Unit info after\n");
    EXPECT_EQ(read_file(rotated), "Unit info before\n");
    std::filesystem::remove(rotated);
}

// A member that logs nothing after the rotation (its level above info, say) must still let go
// of the renamed file: the path is opened again at once, not at the next entry.
TEST_F(sink_test, reopen_opens_the_path_again_without_waiting_for_an_entry) {
    const auto sink = std::make_shared<batched_file_sink>(path, batched_file_sink::settings{.interval = never});
    spdlog::logger log("Unit", sink);
    log.info("before");
    log.flush();
    ASSERT_NE(read_when_written(path, "before").find("before"), std::string::npos);
    std::filesystem::rename(path, path + ".1");
    sink->reopen();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!std::filesystem::exists(path) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_TRUE(std::filesystem::exists(path));
    std::filesystem::remove(path + ".1");
}

// A path it cannot open again (here: a directory took its place) leaves the sink writing the
// file it has, with a note there saying so.
TEST_F(sink_test, a_reopen_that_fails_says_so_in_the_file_it_keeps_writing) {
    const std::string rotated = path + ".1";
    {
        const auto sink = std::make_shared<batched_file_sink>(path, batched_file_sink::settings{.interval = 20ms});
        spdlog::logger log("Unit", sink);
        log.set_pattern("%n %l %v");
        log.info("before");
        ASSERT_EQ(read_when_written(path, "before"), "Unit info before\n");
        std::filesystem::rename(path, rotated);
        std::filesystem::create_directory(path);
        sink->reopen();
        log.info("after");
        EXPECT_NE(read_when_written(rotated, "after").find("Unit info after\n"), std::string::npos);
    }
    const std::string kept = read_file(rotated);
    EXPECT_NE(kept.find("Unit error cannot reopen the log " + path + ": Is a directory (still writing the old one)\n"),
              std::string::npos)
        << kept;
    std::filesystem::remove(path);
    std::filesystem::remove(rotated);
}

TEST_F(sink_test, flush_hands_over_at_once) {
    const auto log = logger({.interval = never});
    log->info("before the flush");
    log->flush();
    EXPECT_EQ(read_when_written(path, "flush"), "Unit info before the flush\n");
}

TEST_F(sink_test, at_the_pending_limit_a_free_writer_gets_the_batch_and_nothing_is_dropped) {
    {
        // Below the batch size, the writer would wait an hour; the limit hands over instead.
        const auto log = logger({.interval = never, .batch_bytes = 1 << 20, .max_pending_bytes = 40});
        for (int i = 1; i <= 5; ++i) {
            log->info("entry {}", i); // 18 bytes each: the limit is passed at the third
        }
    }
    EXPECT_EQ(read_file(path), "Unit info entry 1\nUnit info entry 2\nUnit info entry 3\nUnit info entry 4\n"
                               "Unit info entry 5\n");
}

// An entry its caller lays out itself (member_logger::traffic) goes in order with the others;
// one whose writer throws leaves nothing of itself behind, and the exception reaches the caller.
TEST_F(sink_test, entries_appended_directly_keep_their_order_and_a_failed_one_leaves_nothing) {
    {
        const auto log = logger({.interval = never});
        auto& sink = static_cast<batched_file_sink&>(*log->sinks().front());
        log->info("first");
        sink.append_entry("Unit", [](std::string& batch) { batch += "direct\n"; });
        EXPECT_THROW(sink.append_entry("Unit",
                                       [](std::string& batch) {
                                           batch += "half an ent";
                                           throw std::runtime_error("out of memory, say");
                                       }),
                     std::runtime_error);
        log->info("last");
    }
    EXPECT_EQ(read_file(path), "Unit info first\ndirect\nUnit info last\n");
}

TEST_F(sink_test, appends_to_an_existing_file) {
    std::ofstream(path) << "earlier\n";
    {
        const auto log = logger({.interval = never});
        log->info("later");
    }
    EXPECT_EQ(read_file(path), "earlier\nUnit info later\n");
}

TEST_F(sink_test, a_batch_of_many_blocks_goes_to_the_writer_only_once_the_batch_is_full) {
    const auto log = logger({.interval = never, .batch_bytes = 1000, .block_bytes = 100});
    std::string expected;
    for (int i = 0; i < 30; ++i) {
        log->info("entry {:02}", i); // 30 x 19 bytes: five blocks, not a batch
        expected += fmt::format("Unit info entry {:02}\n", i);
    }
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(read_file(path), ""); // a full block is not a full batch
    for (int i = 30; i < 53; ++i) {
        log->info("entry {:02}", i); // the 53rd passes the batch size
        expected += fmt::format("Unit info entry {:02}\n", i);
    }
    EXPECT_EQ(read_when_written(path, "entry 52"), expected); // its blocks whole and in order
}

// The blocks of a batch the writer has written are the next batch's: a busy log does not keep
// taking fresh memory.
TEST_F(sink_test, the_blocks_of_a_written_batch_are_reused_for_the_next) {
    auto sink = std::make_shared<batched_file_sink>(
        path, batched_file_sink::settings{.interval = never, .batch_bytes = 1000, .block_bytes = 100});
    spdlog::logger log("Unit", sink);
    log.set_pattern("%n %l %v");
    for (int i = 0; i < 106; ++i) {
        log.info("entry {:03}", i); // 20 bytes each: a batch of ten blocks at the 50th, another at the 100th
    }
    read_when_written(path, "entry 099");
    for (int i = 106; i < 109; ++i) {
        log.info("entry {:03}", i); // into blocks of the first batch, not new ones
    }
    // Once the writer has the second batch written: eight of its blocks kept for reuse, and the
    // first batch's eight as spares (two of them now taking entries), each a block's reserve of
    // 125 bytes: sixteen in all. New blocks for the last entries, instead of spares, would
    // make eighteen; keeping no spares, little more than the second batch's (1,125 bytes).
    const std::size_t reused = 16 * 125;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (sink->held_bytes() < reused && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(5ms);
    }
    std::this_thread::sleep_for(50ms); // nothing more is to come
    EXPECT_EQ(sink->held_bytes(), reused);
}

// A file that refuses writes (a full disk; here a file size limit) loses entries. Once it takes
// writes again, the sink ends the line a failed write cut short and says how many were lost.
// The same whether the entries wait in one block or in many (`block_bytes`). `log` writes `path`
// alone, with the interval `never` and the pattern "%n %l %v".
void check_entries_a_failed_write_lost_are_counted(const std::string& path,
                                                   const std::shared_ptr<spdlog::logger>& log) {
    rlimit unlimited{};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &unlimited), 0);
    const auto old_handler = std::signal(SIGXFSZ, SIG_IGN); // EFBIG rather than a core dump
    const auto restore = [&] {
        ::setrlimit(RLIMIT_FSIZE, &unlimited);
        std::signal(SIGXFSZ, old_handler);
    };
    struct scope_exit {
        std::function<void()> run;
        ~scope_exit() { run(); }
    } restore_at_exit{restore};
    rlimit limited = unlimited;
    limited.rlim_cur = 250;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
    for (int i = 0; i < 20; ++i) {
        log->info("entry {}", i); // 370 bytes: 13 entries and 13 bytes of the next fit in 250
    }
    log->flush();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (read_file(path).size() < 250 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(5ms);
    }
    std::this_thread::sleep_for(100ms); // the write after the partial one fails at once
    log->info("while full");
    log->flush();
    std::this_thread::sleep_for(100ms);
    restore();
    log->info("after");
    log->flush();
    const std::string text = read_when_written(path, "after");
    std::string expected;
    for (int i = 0; i < 13; ++i) {
        expected += "Unit info entry " + std::to_string(i) + "\n";
    }
    expected += "Unit info ent\n"; // the entry cut short, its line ended
    // The entry written while full is lost too, unless the writer reached it only after the
    // limit was lifted (then it is written and seven are lost).
    const std::string lost_eight = "Unit error 8 log entries lost: the log could not be written (File too large)\n";
    const std::string lost_seven = "Unit error 7 log entries lost: the log could not be written (File too large)\n"
                                   "Unit info while full\n";
    const std::string after = "Unit info after\n";
    EXPECT_TRUE(text == expected + lost_eight + after || text == expected + lost_seven + after) << text;
}

TEST_F(sink_test, entries_a_failed_write_lost_are_counted_in_the_file_once_it_takes_writes_again) {
    check_entries_a_failed_write_lost_are_counted(path, logger({.interval = never}));
}

TEST_F(sink_test, entries_a_failed_write_lost_in_many_blocks_are_counted_alike) {
    // A block every five or six entries, each handed over as it fills.
    check_entries_a_failed_write_lost_are_counted(path,
                                                  logger({.interval = never, .batch_bytes = 100, .block_bytes = 100}));
}

// Reads what `fd` holds until `marker` arrives or five seconds pass.
std::string read_pipe_until(int fd, const std::string& marker) {
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    std::array<char, 4096> chunk{};
    while (text.find(marker) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 50) == 1) {
            const ssize_t n = ::read(fd, chunk.data(), chunk.size());
            if (n <= 0) {
                break;
            }
            text.append(chunk.data(), static_cast<std::size_t>(n));
        }
    }
    return text;
}

// Reads `fd` on a thread of its own until its writer closes it.
class pipe_reader {
public:
    explicit pipe_reader(int fd)
        : thread_([this, fd] {
              std::array<char, 4096> chunk{};
              for (ssize_t n = 0; (n = ::read(fd, chunk.data(), chunk.size())) > 0;) {
                  const std::lock_guard lock(mutex_);
                  text_.append(chunk.data(), static_cast<std::size_t>(n));
              }
          }) {}
    ~pipe_reader() { join(); }

    pipe_reader(const pipe_reader&) = delete;
    pipe_reader& operator=(const pipe_reader&) = delete;

    // What it has read so far.
    std::string text() {
        const std::lock_guard lock(mutex_);
        return text_;
    }
    // Waits for the writer to close the pipe.
    void join() {
        if (thread_.joinable()) {
            thread_.join();
        }
    }

private:
    std::mutex mutex_;
    std::string text_;
    std::thread thread_; // last: uses the others
};

// A sink writing into a pipe of 4 KiB that nobody reads yet: its writer stalls in write() once
// the pipe is full. `read_end` is the caller's to read and close.
struct sink_on_small_pipe {
    int read_end = -1;
    std::shared_ptr<batched_file_sink> sink;

    explicit sink_on_small_pipe(batched_file_sink::settings limits) {
        int fds[2];
        if (::pipe(fds) != 0) {
            throw std::runtime_error("cannot make a pipe");
        }
        ::fcntl(fds[1], F_SETPIPE_SZ, 4096);
        read_end = fds[0];
        sink = std::make_shared<batched_file_sink>(fds[1], limits);
        ::close(fds[1]); // the sink holds its own duplicate
    }
};

TEST(batched_sink_descriptor, writes_to_a_duplicate_of_the_descriptor) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    {
        spdlog::logger log("Pipe", std::make_shared<batched_file_sink>(fds[1], batched_file_sink::settings{}));
        log.set_pattern("%n %l %v");
        ::close(fds[1]); // the sink holds its own duplicate
        log.warn("through the pipe");
        log.flush();
        EXPECT_EQ(read_pipe_until(fds[0], "pipe\n"), "Pipe warning through the pipe\n");
    }
    std::array<char, 16> rest{};
    EXPECT_EQ(::read(fds[0], rest.data(), rest.size()), 0); // the duplicate closed with the sink
    ::close(fds[0]);
}

TEST(batched_sink_descriptor, once_a_stalled_reader_catches_up_entries_are_kept_again) {
    sink_on_small_pipe pipe({.interval = std::chrono::hours(1), .batch_bytes = 100, .max_pending_bytes = 1000});
    auto log = std::make_unique<spdlog::logger>("Pipe", std::move(pipe.sink));
    log->set_pattern("%v");
    // Nobody reads: the pipe fills, the writer blocks in write(), then entries are dropped.
    const std::string entry(99, 'x');
    for (int i = 0; i < 200; ++i) {
        log->info(entry); // 100 bytes each: 20 KB in all, far past the pipe and the limit
    }
    // The reader catches up, and reads on until the sink closes the pipe. An entry logged now is
    // kept again, without waiting for the hour; while the backlog drains a few more may still be
    // dropped, so one is logged every 20 ms until one arrives.
    pipe_reader reader(pipe.read_end);
    const auto seen_after = [&] { return reader.text().find("after") != std::string::npos; };
    std::size_t tries = 0;
    for (; tries < 250 && !seen_after(); ++tries) {
        log->info("after");
        log->flush(); // to the writer without waiting for a full batch
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_TRUE(seen_after()) << tries << " tries";
    log.reset(); // writes what waits, with a last note of drops, and closes its end of the pipe
    reader.join();
    const std::string seen = reader.text();
    // Every entry is either read whole or counted in a note.
    const std::string_view note_text = " log entries dropped: the log file did not keep up";
    std::size_t read_whole = 0;
    std::size_t dropped = 0;
    std::istringstream lines(seen);
    for (std::string line; std::getline(lines, line);) {
        if (line == entry || line == "after") {
            ++read_whole;
        } else if (line.ends_with(note_text)) {
            dropped += std::stoul(line);
        } else {
            ADD_FAILURE() << "unexpected line: " << line;
        }
    }
    EXPECT_EQ(read_whole + dropped, 200 + tries);
    EXPECT_GT(dropped, 0u);
    ::close(pipe.read_end);
}

// A backlog of many blocks (the writer stalled in write() meanwhile) reaches the file whole and
// in order; once written, only the spare blocks are kept; and blocks reused after it carry no
// leftovers of what they held.
TEST(batched_sink_descriptor, a_backlog_of_many_blocks_is_written_whole_and_in_order) {
    sink_on_small_pipe pipe({.interval = never, .batch_bytes = 100, .block_bytes = 100, .spare_blocks = 2});
    auto sink = std::move(pipe.sink);
    std::string expected;
    const auto log_entries = [&](int first, int last) {
        for (int i = first; i < last; ++i) {
            const std::string entry =
                "entry " + std::to_string(i) + std::string(static_cast<std::size_t>(i % 37), '.') + "\n";
            sink->append_entry("Direct", [&](std::string& batch) { batch += entry; });
            expected += entry;
        }
    };
    log_entries(0, 2000); // about 58 KB: far past the pipe, so the writer stalls in write()
    std::this_thread::sleep_for(50ms);
    log_entries(2000, 3000); // all waiting, in blocks, behind the stalled writer
    EXPECT_GT(sink->held_bytes(), 20'000u); // at least the 29 KB of those entries
    pipe_reader reader(pipe.read_end);
    const auto seen_bytes = [&] { return reader.text().size(); };
    sink->flush();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (seen_bytes() < expected.size() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(5ms);
    }
    EXPECT_EQ(seen_bytes(), expected.size()) << "the backlog was not written";
    // Twice spare_blocks (the spare ones and those of the last batch written), each at most
    // 2.5 x block_bytes (an entry that passed the block size may have grown its block).
    const std::size_t spare_bound = 2 * 2 * 250;
    while (sink->held_bytes() > spare_bound && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(5ms); // the writer frees what it wrote after write() returns
    }
    EXPECT_LE(sink->held_bytes(), spare_bound);
    log_entries(3000, 4000); // one block at a time now, each a block the backlog emptied
    sink.reset(); // writes what waits and closes its end
    reader.join();
    ::close(pipe.read_end);
    EXPECT_EQ(reader.text(), expected);
}

// Entries laid out by their caller meet the same bound: with nobody reading they are dropped
// and counted, and the note names the log they came from.
TEST(batched_sink_descriptor, entries_appended_directly_are_dropped_and_counted_alike) {
    sink_on_small_pipe pipe({.interval = never, .batch_bytes = 100, .max_pending_bytes = 1000});
    auto sink = std::move(pipe.sink);
    const std::string entry(99, 'x');
    for (int i = 0; i < 200; ++i) { // 20 KB, far past the pipe and the bound
        sink->append_entry("Direct", [&](std::string& batch) { batch.append(entry).push_back('\n'); });
    }
    pipe_reader reader(pipe.read_end);
    sink.reset(); // writes what waits, with the note of drops, and closes its end
    reader.join();
    const std::string seen = reader.text();
    ::close(pipe.read_end);
    std::size_t read_whole = 0;
    std::size_t dropped = 0;
    std::istringstream lines(seen);
    const std::regex note(R"(.*\[Direct\] \[warning\] (\d+) log entries dropped: the log file did not keep up)");
    for (std::string line; std::getline(lines, line);) {
        std::smatch match;
        if (line == entry) {
            ++read_whole;
        } else if (std::regex_match(line, match, note)) {
            dropped += std::stoul(match[1].str());
        } else {
            ADD_FAILURE() << "unexpected line: " << line;
        }
    }
    EXPECT_EQ(read_whole + dropped, 200u);
    EXPECT_GT(dropped, 0u);
}

TEST_F(sink_test, an_unopenable_path_is_a_clear_error) {
    EXPECT_THROW(batched_file_sink("/proc/herd-no-such-dir/x.log"), spdlog::spdlog_ex);
}

} // namespace
} // namespace herd::server
