#include "server/appended_file_trimmer.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <spdlog/logger.h>

#include "server/batched_file_sink.hpp"

namespace herd::server {
namespace {

const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
const std::size_t step = 256 * page;

// How many threads this process runs.
std::size_t thread_count() {
    const std::filesystem::directory_iterator tasks("/proc/self/task");
    return static_cast<std::size_t>(std::distance(begin(tasks), end(tasks)));
}

// A file appended to as a log is, in the working directory (the build tree, on a disk),
// removed at the end.
struct trimmer_test : testing::Test {
    std::string path = "herd_trimmer_" + std::to_string(::getpid()) + "_" +
                       testing::UnitTest::GetInstance()->current_test_info()->name();
    int fd = -1;

    void SetUp() override {
        fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
        ASSERT_GE(fd, 0);
        // What every test relies on: a page written back can be dropped.
        const std::string probe(page, 'p');
        ASSERT_EQ(::write(fd, probe.data(), probe.size()), static_cast<ssize_t>(probe.size()));
        ASSERT_EQ(::fdatasync(fd), 0);
        ASSERT_EQ(::posix_fadvise(fd, 0, static_cast<off_t>(page), POSIX_FADV_DONTNEED), 0);
        ASSERT_EQ(cached_pages(0, page), 0u)
            << "the file system of the working directory keeps dropped pages (a tmpfs?): run the tests from a disk";
        ASSERT_EQ(::ftruncate(fd, 0), 0);
    }
    void TearDown() override {
        ::close(fd);
        std::filesystem::remove(path);
    }

    // Appends `bytes` bytes and tells `trimmer`, then waits for the trim that asks for (so none
    // folds into the next). First it waits for the writeback already started (by the trimmer:
    // a page still dirty is never dropped), so what is dropped does not depend on the disk.
    void append(appended_file_trimmer& trimmer, std::size_t bytes) {
        ASSERT_EQ(::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE), 0);
        const std::string text(bytes, 'x');
        ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
        trimmer.appended(bytes);
        trimmer.settle();
    }

    // How many of the pages in [from, to) are in the page cache.
    std::size_t cached_pages(std::size_t from, std::size_t to) const {
        const std::size_t size = static_cast<std::size_t>(::lseek(fd, 0, SEEK_END));
        void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
        EXPECT_NE(map, MAP_FAILED);
        std::vector<unsigned char> resident((size + page - 1) / page);
        EXPECT_EQ(::mincore(map, size, resident.data()), 0);
        ::munmap(map, size);
        std::size_t cached = 0;
        for (std::size_t p = from / page; p < to / page; ++p) {
            cached += resident[p] & 1;
        }
        return cached;
    }
};

TEST_F(trimmer_test, what_was_written_back_a_step_before_leaves_the_cache) {
    appended_file_trimmer trimmer(fd, step);
    append(trimmer, step);     // writeback asked for the first step
    append(trimmer, step);     // the first step dropped
    append(trimmer, step / 2); // not a step yet: nothing happens
    EXPECT_EQ(cached_pages(0, step), 0u);
    EXPECT_EQ(cached_pages(step, 2 * step + step / 2), step / page + step / 2 / page);
}

TEST_F(trimmer_test, nothing_leaves_the_cache_before_a_whole_step_was_appended) {
    appended_file_trimmer trimmer(fd, step);
    for (int i = 0; i < 7; ++i) {
        append(trimmer, step / 4);
    }
    EXPECT_EQ(cached_pages(0, 7 * step / 4), 7 * step / 4 / page); // one trim: writeback asked, nothing dropped
    append(trimmer, step / 4);
    EXPECT_EQ(cached_pages(0, step), 0u);
}

TEST_F(trimmer_test, steps_that_end_inside_a_page_leave_no_page_behind) {
    appended_file_trimmer trimmer(fd, step);
    const std::size_t odd = step + page / 2;
    append(trimmer, odd); // writeback asked up to the page the step ends in
    append(trimmer, odd); // that page is whole now: it goes with the second step
    append(trimmer, odd);
    EXPECT_EQ(cached_pages(0, 2 * odd), 0u); // the second step ends on a page's edge
    EXPECT_EQ(cached_pages(2 * odd, 3 * odd), (3 * odd - 2 * odd) / page);
}

TEST_F(trimmer_test, what_the_file_held_before_stays) {
    const std::string before(step + page / 2, 'b'); // ends inside a page
    ASSERT_EQ(::write(fd, before.data(), before.size()), static_cast<ssize_t>(before.size()));
    appended_file_trimmer trimmer(fd, step);
    append(trimmer, step);
    append(trimmer, step);
    append(trimmer, step);
    EXPECT_EQ(cached_pages(0, step + page), step / page + 1); // with the page it shares
    EXPECT_EQ(cached_pages(step + page, 2 * step), 0u);
}

TEST_F(trimmer_test, after_the_file_is_truncated_it_trims_from_the_new_end) {
    appended_file_trimmer trimmer(fd, step);
    append(trimmer, step);
    append(trimmer, step);
    ASSERT_EQ(::ftruncate(fd, 0), 0); // rotated by copy and truncate
    append(trimmer, step);            // the ranges lie past the end: nothing happens
    append(trimmer, step);            // writeback asked for the second step
    append(trimmer, step);            // the second step dropped
    EXPECT_EQ(cached_pages(step, 2 * step), 0u);
    EXPECT_EQ(cached_pages(2 * step, 3 * step), step / page);
}

TEST_F(trimmer_test, the_descriptor_it_was_given_may_be_closed) {
    const int other = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    ASSERT_GE(other, 0);
    appended_file_trimmer trimmer(other, step);
    ::close(other); // it keeps a duplicate
    append(trimmer, step);
    append(trimmer, step);
    append(trimmer, step);
    EXPECT_EQ(cached_pages(0, step), 0u);
}

TEST_F(trimmer_test, a_step_of_zero_trims_nothing) {
    appended_file_trimmer trimmer(fd, 0);
    for (int i = 0; i < 4; ++i) {
        append(trimmer, step);
    }
    EXPECT_EQ(cached_pages(0, 4 * step), 4 * step / page);
}

TEST_F(trimmer_test, only_a_regular_file_gets_a_thread) {
    std::array<int, 2> pipe_ends{};
    ASSERT_EQ(::pipe(pipe_ends.data()), 0);
    const std::size_t before = thread_count();
    {
        const appended_file_trimmer on_a_pipe(pipe_ends[1], step);
        const appended_file_trimmer on_nothing(-1, step);
        EXPECT_EQ(thread_count(), before);
        const appended_file_trimmer on_the_file(fd, step);
        EXPECT_EQ(thread_count(), before + 1);
    }
    ::close(pipe_ends[0]);
    ::close(pipe_ends[1]);
}

TEST_F(trimmer_test, a_batched_file_sink_trims_the_file_it_writes) {
    auto log = std::make_shared<spdlog::logger>(
        "Unit", std::make_shared<batched_file_sink>(path, batched_file_sink::settings{.trim_step = step}));
    log->set_pattern("%v");
    const std::string entry(page - 1, 'e');
    // A step a round, each round on the disk before the next is written: the first step leaves
    // the cache once a trim follows the one that asked for its writeback (trims that find the
    // trimmer busy fold into one, so that may take more than two rounds).
    std::size_t rounds = 0;
    while (rounds < 2 || (cached_pages(0, step) > 0 && rounds < 10)) {
        ++rounds;
        for (std::size_t i = 0; i < step / page; ++i) {
            log->info(entry);
        }
        log->flush();
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (std::filesystem::file_size(path) < rounds * step && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        ASSERT_EQ(std::filesystem::file_size(path), rounds * step);
        ASSERT_EQ(::fdatasync(fd), 0);
        std::this_thread::sleep_for(std::chrono::milliseconds(20)); // the trim, on its thread
    }
    EXPECT_EQ(cached_pages(0, step), 0u);
    EXPECT_EQ(cached_pages((rounds - 1) * step, rounds * step), step / page); // the newest stays
}

} // namespace
} // namespace herd::server
