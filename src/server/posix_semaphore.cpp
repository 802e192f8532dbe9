#include "server/posix_semaphore.hpp"

#include <cerrno>
#include <ctime>
#include <system_error>

namespace herd::server {

posix_semaphore::posix_semaphore() {
    if (::sem_init(&semaphore_, 0, 0) != 0) {
        throw std::system_error(errno, std::generic_category(), "sem_init");
    }
}

posix_semaphore::~posix_semaphore() { ::sem_destroy(&semaphore_); }

void posix_semaphore::release() { ::sem_post(&semaphore_); }

bool posix_semaphore::try_acquire_for(std::chrono::steady_clock::duration timeout) {
    using namespace std::chrono;
    // sem_clockwait on CLOCK_MONOTONIC measures what steady_clock does (on Linux).
    const auto deadline = duration_cast<nanoseconds>((steady_clock::now() + timeout).time_since_epoch());
    const auto whole = duration_cast<seconds>(deadline);
    const timespec until{static_cast<std::time_t>(whole.count()), static_cast<long>((deadline - whole).count())};
    for (;;) {
        if (::sem_clockwait(&semaphore_, CLOCK_MONOTONIC, &until) == 0) {
            return true;
        }
        if (errno != EINTR) {
            return false; // ETIMEDOUT
        }
    }
}

} // namespace herd::server
