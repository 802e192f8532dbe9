#include "bench/wakeup.hpp"

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bench/latency_stats.hpp"

namespace herd::bench {
namespace {

using steady = std::chrono::steady_clock;

// A blocking eventfd: post() wakes the thread in take().
class doorbell {
public:
    doorbell() : fd_(::eventfd(0, EFD_CLOEXEC)) {}
    ~doorbell() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    doorbell(const doorbell&) = delete;
    doorbell& operator=(const doorbell&) = delete;

    bool ok() const { return fd_ >= 0; }
    void post() const {
        const std::uint64_t one = 1;
        while (::write(fd_, &one, sizeof one) < 0 && errno == EINTR) {
        }
    }
    void take() const {
        std::uint64_t count = 0;
        while (::read(fd_, &count, sizeof count) < 0 && errno == EINTR) {
        }
    }

private:
    int fd_;
};

// The first two CPUs this process may run on; false when it may run on fewer.
bool two_cpus(int& first, int& second) {
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
        return false;
    }
    first = -1;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (CPU_ISSET(cpu, &allowed)) {
            if (first < 0) {
                first = cpu;
            } else {
                second = cpu;
                return true;
            }
        }
    }
    return false;
}

void pin_to(int cpu) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    ::pthread_setaffinity_np(::pthread_self(), sizeof one, &one);
}

} // namespace

int measure_wakeup(const wakeup_options& options) {
    int waker_cpu = 0;
    int sleeper_cpu = 0;
    if (!two_cpus(waker_cpu, sleeper_cpu)) {
        std::fprintf(stderr, "herd: bench wakeup: needs two CPUs to run on\n");
        return 1;
    }
    const doorbell go;
    const doorbell back;
    if (!go.ok() || !back.ok()) {
        std::fprintf(stderr, "herd: bench wakeup: cannot make an eventfd: %s\n", std::strerror(errno));
        return 1;
    }
    const std::size_t wakeups = 2 * options.rounds;
    std::atomic<steady::rep> posted_at{0}; // when the waker rang, for the sleeper to subtract
    std::vector<steady::duration> samples(wakeups);
    std::thread sleeper([&] {
        pin_to(sleeper_cpu);
        for (steady::duration& sample : samples) {
            go.take();
            sample = steady::now().time_since_epoch() - steady::duration(posted_at.load());
            back.post();
        }
    });
    pin_to(waker_cpu);
    for (std::size_t i = 0; i < wakeups; ++i) {
        if (i >= options.rounds) {
            std::this_thread::sleep_for(options.idle); // the second half: each after idle
        }
        posted_at.store(steady::now().time_since_epoch().count());
        go.post();
        back.take(); // the sleeper has its sample: it blocks again next
    }
    sleeper.join();
    latency_stats back_to_back;
    latency_stats after_idle;
    for (std::size_t i = 0; i < wakeups; ++i) {
        (i < options.rounds ? back_to_back : after_idle).add(samples[i]);
    }
    std::printf("{\"mode\":\"wakeup\",\"rounds\":%zu,\"idle_us\":%lld,\"cpus\":\"%d,%d\",%s,%s}\n", options.rounds,
                static_cast<long long>(options.idle.count()), waker_cpu, sleeper_cpu, after_idle.json_fields().c_str(),
                back_to_back.json_fields("back_to_back_").c_str());
    std::fflush(stdout);
    return 0;
}

} // namespace herd::bench
