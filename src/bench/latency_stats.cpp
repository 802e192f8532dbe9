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
    // In whole tenths of a percent, so that 99.9% of 1,000 samples is rank 999: in floating
    // point, 99.9 / 100 * 1000 is a hair above 999 and its ceiling 1000.
    const auto tenths = static_cast<std::size_t>(std::llround(p * 10.0));
    const std::size_t rank = (tenths * samples_.size() + 999) / 1000;
    return samples_[std::clamp<std::size_t>(rank, 1, samples_.size()) - 1];
}

std::string latency_stats::json_fields(std::string_view prefix) const {
    if (samples_.empty()) { // no figure, rather than a zero that reads as a fast one
        return fmt::format(R"("{0}p50_us":null,"{0}p99_us":null,"{0}p999_us":null,"{0}max_us":null)", prefix);
    }
    const auto us = [this](double p) { return static_cast<double>(percentile(p).count()) / 1000.0; };
    return fmt::format(R"("{0}p50_us":{1:.1f},"{0}p99_us":{2:.1f},"{0}p999_us":{3:.1f},"{0}max_us":{4:.1f})", prefix,
                       us(50), us(99), us(99.9), us(100));
}

} // namespace herd::bench
