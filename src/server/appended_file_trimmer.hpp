#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>

#include <sys/types.h>

namespace herd::server {

// Keeps a file that is only appended to (a log) from filling the page cache. Every `step`
// bytes appended, a thread of its own asks the kernel to start writing back what was appended
// since, and drops from the cache what it asked to be written back one step before, so the
// next pages written reuse memory the system already holds instead of taking fresh pages (on
// a virtual machine a fresh page can cost more than the copy into it). The caller never waits
// for the disk: on a disk slower than the file grows, the thread falls behind, the steps asked
// meanwhile fold into one, and the page cache holds what waits, as it would without trimming.
// Pages not yet written back stay cached for the kernel to reclaim. What the file held before
// is left alone. Does nothing (and starts no thread) unless the descriptor is a regular file.
class appended_file_trimmer {
public:
    // Keeps its own duplicate of `fd`, so closing `fd` first is safe. Without a thread (none
    // could start) it does nothing.
    appended_file_trimmer(int fd, std::size_t step);
    // Waits for a trim in progress; trims asked for and not begun are abandoned.
    ~appended_file_trimmer();

    appended_file_trimmer(const appended_file_trimmer&) = delete;
    appended_file_trimmer& operator=(const appended_file_trimmer&) = delete;

    // After `bytes` were appended to the file. One caller at a time.
    void appended(std::size_t bytes);

    // Returns once every trim asked for so far is done (for tests: trims need no waiting).
    void settle();

private:
    void run();
    void trim(off_t end);

    int fd_; // the duplicate, or -1 when disabled
    std::size_t step_;
    std::size_t since_ = 0; // bytes appended and not yet counted in a step (the caller's)
    std::mutex mutex_;
    std::condition_variable changed_;
    std::uint64_t asked_ = 0; // trims asked for (under mutex_)
    std::uint64_t done_ = 0;  // trims done (under mutex_)
    off_t asked_end_ = 0;     // the file's end when the last was asked (under mutex_)
    bool stopping_ = false;   // under mutex_
    off_t submitted_to_ = 0;  // writeback asked for up to here (the thread's)
    off_t dropped_to_ = 0;    // dropped from the cache, or left as it was, up to here (the thread's)
    std::thread thread_;
};

} // namespace herd::server
