#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace herd::bench {

// Latency samples and their summary.
class latency_stats {
public:
    void add(std::chrono::nanoseconds sample) {
        samples_.push_back(sample);
        sorted_ = false;
    }
    std::size_t count() const { return samples_.size(); }

    // The nearest-rank percentile (0 < p <= 100, to a tenth) of the samples; zero when there
    // are none.
    std::chrono::nanoseconds percentile(double p) const;

    // `"p50_us":…,"p99_us":…,"p999_us":…,"max_us":…` with microseconds to 0.1, each key
    // after `prefix` (`"observer_p50_us"` for "observer_"); each null when there are no samples.
    std::string json_fields(std::string_view prefix = "") const;

private:
    mutable std::vector<std::chrono::nanoseconds> samples_;
    mutable bool sorted_ = false;
};

} // namespace herd::bench
