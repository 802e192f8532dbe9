#pragma once

#include <chrono>

#include <semaphore.h>

namespace herd::server {

// A counting semaphore whose waits sleep in the kernel at once (glibc's sem_t, a futex).
// libstdc++ 12's std::counting_semaphore first spins on sched_yield, some eight system
// calls a wait: for a thread that waits hundreds of times a second (a log writer between
// batches) that spinning cost more than the wake-ups it was meant to save.
class posix_semaphore {
public:
    posix_semaphore();
    ~posix_semaphore();
    posix_semaphore(const posix_semaphore&) = delete;
    posix_semaphore& operator=(const posix_semaphore&) = delete;

    // Adds one count, waking a waiter if there is one.
    void release();

    // Takes one count, waiting at most `timeout` for it; false when none came in time.
    bool try_acquire_for(std::chrono::steady_clock::duration timeout);

private:
    sem_t semaphore_;
};

} // namespace herd::server
