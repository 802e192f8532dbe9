#include "server/appended_file_trimmer.hpp"

#include <algorithm>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace herd::server {
namespace {

bool is_regular_file(int fd) {
    struct stat status {};
    return ::fstat(fd, &status) == 0 && S_ISREG(status.st_mode);
}

} // namespace

appended_file_trimmer::appended_file_trimmer(int fd, std::size_t step)
    : fd_(fd), step_(step), enabled_(step > 0 && is_regular_file(fd)),
      submitted_to_(enabled_ ? std::max<off_t>(0, ::lseek(fd, 0, SEEK_END)) : 0), dropped_to_(submitted_to_) {}

void appended_file_trimmer::appended(std::size_t bytes) {
    if (!enabled_) {
        return;
    }
    since_ += bytes;
    if (since_ >= step_) {
        since_ = 0;
        trim();
    }
}

void appended_file_trimmer::trim() {
    const off_t end = ::lseek(fd_, 0, SEEK_CUR); // appending: where the last write ended
    if (end < 0) {
        return;
    }
    // A length of 0 would mean "to the end of the file" to both calls. After the file was
    // truncated (rotated by copy and truncate) a range may lie past its end, which harms
    // nothing, and two trims later the ranges follow the new end. Failures change nothing
    // but the cache, so they are not reported.
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
