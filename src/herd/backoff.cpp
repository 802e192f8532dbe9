#include "herd/backoff.hpp"

#include <algorithm>

namespace herd::peer {

backoff::backoff(std::chrono::milliseconds first, std::chrono::milliseconds cap, std::uint64_t seed)
    : first_(first), cap_(std::max(first, cap)), step_(first), state_(seed | 1) {}

std::chrono::milliseconds backoff::next() {
    // xorshift64: cheap, and reproducible from the seed in tests.
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    const auto span = step_.count() / 2; // jitter window: [-25%, +25%]
    const auto jitter = span > 0 ? static_cast<std::int64_t>(state_ % static_cast<std::uint64_t>(span + 1)) - span / 2 : 0;
    const std::chrono::milliseconds wait = step_ + std::chrono::milliseconds(jitter);
    step_ = std::min(step_ * 2, cap_);
    return wait;
}

} // namespace herd::peer
