#include "bench/wakeup.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <system_error>
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

[[noreturn]] void fail(const char* what, int error) {
    std::fprintf(stderr, "herd: bench wakeup: %s: %s\n", what, std::strerror(error));
    std::_Exit(1); // both threads: the other may be blocked for good
}

// A blocking eventfd that carries one non-zero value at a time: post(v) wakes the thread in
// take(), which returns v. Any failure but EINTR ends the process, saying so (a probe that
// went on would hang or report nonsense).
class doorbell {
public:
    doorbell() : fd_(::eventfd(0, EFD_CLOEXEC)) {
        if (fd_ < 0) {
            fail("cannot make an eventfd", errno);
        }
    }
    ~doorbell() { ::close(fd_); }
    doorbell(const doorbell&) = delete;
    doorbell& operator=(const doorbell&) = delete;

    void post(std::uint64_t value) const {
        while (::write(fd_, &value, sizeof value) != static_cast<ssize_t>(sizeof value)) {
            if (errno != EINTR) {
                fail("eventfd write", errno);
            }
        }
    }
    std::uint64_t take() const {
        std::uint64_t value = 0;
        while (::read(fd_, &value, sizeof value) != static_cast<ssize_t>(sizeof value)) {
            if (errno != EINTR) {
                fail("eventfd read", errno);
            }
        }
        return value;
    }

private:
    int fd_;
};

// The first two CPUs this process may run on; nothing when it may run on fewer.
std::optional<std::array<int, 2>> two_cpus() {
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
        fail("cannot read the CPUs it may run on", errno);
    }
    std::array<int, 2> cpus{};
    std::size_t found = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && found < cpus.size(); ++cpu) {
        if (CPU_ISSET(cpu, &allowed)) {
            cpus[found++] = cpu;
        }
    }
    return found == cpus.size() ? std::optional(cpus) : std::nullopt;
}

// Pins the calling thread to `cpu`; ends the process when it cannot (both threads on one CPU
// would time a context switch, not a wake-up on another CPU).
void pin_to(int cpu) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (const int error = ::pthread_setaffinity_np(::pthread_self(), sizeof one, &one); error != 0) {
        fail("cannot pin a thread to a CPU", error);
    }
}

std::uint64_t now_ns() { return static_cast<std::uint64_t>(steady::now().time_since_epoch().count()); }

} // namespace

int measure_wakeup(const wakeup_options& options) {
    const auto cpus = two_cpus();
    if (!cpus) {
        std::fprintf(stderr, "herd: bench wakeup: needs two CPUs to run on\n");
        return 1;
    }
    const auto [waker_cpu, sleeper_cpu] = *cpus;
    const doorbell go;   // carries the time the waker rang
    const doorbell back; // the sleeper has its sample, or is ready to start
    const std::size_t wakeups = 2 * options.rounds;
    std::vector<std::chrono::nanoseconds> samples(wakeups);
    pin_to(waker_cpu);
    try {
        std::thread sleeper([&] {
            pin_to(sleeper_cpu);
            back.post(1); // pinned and about to block: the first sample is a wake-up too
            for (std::chrono::nanoseconds& sample : samples) {
                const std::uint64_t rung = go.take();
                sample = std::chrono::nanoseconds(now_ns() - rung);
                back.post(1);
            }
        });
        back.take();
        const std::size_t progress_every = std::max<std::size_t>(1, wakeups / 10);
        for (std::size_t i = 0; i < wakeups; ++i) {
            if (i >= options.rounds) {
                std::this_thread::sleep_for(options.idle); // the second half: each after idle
            }
            go.post(now_ns());
            back.take(); // the sleeper has its sample: it blocks again next
            if ((i + 1) % progress_every == 0) {
                std::fprintf(stderr, "wakeup: %zu/%zu\n", i + 1, wakeups);
            }
        }
        sleeper.join();
    } catch (const std::system_error& error) { // the sleeper's thread could not start
        std::fprintf(stderr, "herd: bench wakeup: %s\n", error.what());
        return 1;
    }
    latency_stats back_to_back;
    latency_stats after_idle;
    for (std::size_t i = 0; i < wakeups; ++i) {
        (i < options.rounds ? back_to_back : after_idle).add(samples[i]);
    }
    std::printf("{\"mode\":\"wakeup\",\"rounds\":%zu,\"idle_us\":%lld,\"cpus\":[%d,%d],%s,%s}\n", options.rounds,
                static_cast<long long>(options.idle.count()), waker_cpu, sleeper_cpu, after_idle.json_fields().c_str(),
                back_to_back.json_fields("back_to_back_").c_str());
    std::fflush(stdout);
    return 0;
}

} // namespace herd::bench
