#pragma once

#include <chrono>
#include <cstdint>

namespace herd::peer {

// Capped exponential back-off with jitter, for redialling a neighbour.
class backoff {
public:
    backoff(std::chrono::milliseconds first, std::chrono::milliseconds cap, std::uint64_t seed);

    // The next wait: the current step, doubled each call up to the cap, with ±25% jitter
    // so that members restarted together do not redial in lockstep.
    std::chrono::milliseconds next();

    // Back to the first step (after a link that stayed up).
    void reset() { step_ = first_; }

private:
    std::chrono::milliseconds first_;
    std::chrono::milliseconds cap_;
    std::chrono::milliseconds step_;
    std::uint64_t state_;
};

} // namespace herd::peer
