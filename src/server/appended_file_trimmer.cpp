#include "server/appended_file_trimmer.hpp"

#include <algorithm>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace herd::server {
namespace {

// A duplicate of `fd` if it is a regular file, else -1.
int duplicate_if_regular_file(int fd) {
    struct stat status {};
    if (fd < 0 || ::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
        return -1;
    }
    return ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

// The file's size, or -1.
off_t size_of(int fd) {
    struct stat status {};
    return ::fstat(fd, &status) == 0 ? status.st_size : -1;
}

// The page cache works in whole pages, and POSIX_FADV_DONTNEED drops only the pages wholly in
// its range: ranges that start and end on a page's edge leave none behind between them.
const off_t page_bytes = ::sysconf(_SC_PAGESIZE);

off_t page_floor(off_t offset) {
    return offset - offset % page_bytes;
}
off_t page_ceil(off_t offset) {
    return page_floor(offset + page_bytes - 1);
}

} // namespace

appended_file_trimmer::appended_file_trimmer(int fd, std::size_t step)
    : fd_(step > 0 ? duplicate_if_regular_file(fd) : -1), step_(step) {
    if (fd_ < 0) {
        return;
    }
    // A page that holds some of what the file held before is left alone too.
    submitted_to_ = dropped_to_ = page_ceil(std::max<off_t>(0, size_of(fd_)));
    try {
        thread_ = std::thread([this] { run(); });
    } catch (const std::system_error&) { // no thread, no trimming: the log works as before
        ::close(fd_);
        fd_ = -1;
    }
}

appended_file_trimmer::~appended_file_trimmer() {
    if (fd_ < 0) {
        return;
    }
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
    ::close(fd_);
}

void appended_file_trimmer::appended(std::size_t bytes) {
    if (fd_ < 0) {
        return;
    }
    since_ += bytes;
    if (since_ < step_) {
        return;
    }
    since_ -= step_;
    const off_t size = size_of(fd_);
    if (size < 0) {
        return;
    }
    {
        const std::lock_guard lock(mutex_);
        // The page being appended to is left for the next step: writing it back now could make
        // the next write wait for it (on a device that needs pages stable during writeback).
        asked_end_ = page_floor(size);
        ++asked_;
    }
    changed_.notify_all();
}

void appended_file_trimmer::settle() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return done_ == asked_ || stopping_; });
}

void appended_file_trimmer::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        changed_.wait(lock, [this] { return done_ != asked_ || stopping_; });
        if (stopping_) {
            return;
        }
        const std::uint64_t asked = asked_;
        const off_t end = asked_end_;
        lock.unlock();
        trim(end);
        lock.lock();
        done_ = asked; // the steps asked while this one ran fold into it
        changed_.notify_all();
    }
}

void appended_file_trimmer::trim(off_t end) {
    // A length of 0 would mean "to the end of the file" to both calls. After the file was
    // truncated (rotated by copy and truncate) a range may lie past its end, which harms
    // nothing; the first step written after the truncation stays cached, and from the next
    // one on the ranges follow the new end. Failures change nothing but the cache, so they
    // are not reported.
    if (end > submitted_to_) {
        ::sync_file_range(fd_, submitted_to_, end - submitted_to_, SYNC_FILE_RANGE_WRITE);
    }
    if (submitted_to_ > dropped_to_) {
        ::posix_fadvise(fd_, dropped_to_, submitted_to_ - dropped_to_, POSIX_FADV_DONTNEED);
    }
    dropped_to_ = submitted_to_;
    submitted_to_ = end;
}

} // namespace herd::server
