#pragma once

#include <cstddef>

#include <sys/types.h>

namespace herd::server {

// Keeps a file that is only appended to (a log) from filling the page cache. Every `step`
// bytes appended, it asks the kernel to start writing back what was appended since, and drops
// from the cache what it asked to be written back one step before, so the next pages written
// reuse memory the system already holds instead of taking fresh pages (on a virtual machine
// a fresh page can cost more than the copy into it). It never waits for the disk: pages not
// yet written back stay cached, for the kernel to reclaim as it would anyway. What was in
// the file before is left alone. Does nothing on a descriptor that is not a regular file.
class appended_file_trimmer {
public:
    appended_file_trimmer(int fd, std::size_t step);

    // After `bytes` were appended to the file.
    void appended(std::size_t bytes);

private:
    void trim();

    int fd_;
    std::size_t step_;
    bool enabled_;
    std::size_t since_ = 0; // bytes appended since the last trim
    off_t submitted_to_;    // writeback asked for up to here
    off_t dropped_to_;      // dropped from the cache (or left as it was) up to here
};

} // namespace herd::server
