#include "bench/latency_stats.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace herd::bench {

std::chrono::nanoseconds latency_stats::percentile(double p) const {
    if (samples_.empty()) {
        return std::chrono::nanoseconds(0);
    }
    if (!sorted_) {
        std::sort(samples_.begin(), samples_.end());
        sorted_ = true;
    }
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(samples_.size())));
    return samples_[std::clamp<std::size_t>(rank, 1, samples_.size()) - 1];
}

std::string latency_stats::json_fields() const {
    const auto us = [this](double p) { return static_cast<double>(percentile(p).count()) / 1000.0; };
    return fmt::format(R"("p50_us":{:.1f},"p99_us":{:.1f},"p999_us":{:.1f},"max_us":{:.1f})", us(50), us(99),
                       us(99.9), us(100));
}

} // namespace herd::bench
