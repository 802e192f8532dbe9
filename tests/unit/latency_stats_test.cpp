#include "bench/latency_stats.hpp"

#include <gtest/gtest.h>

namespace herd::bench {
namespace {

using std::chrono::nanoseconds;

TEST(latency_stats, nearest_rank_percentiles) {
    latency_stats stats;
    for (int i = 100; i >= 1; --i) {
        stats.add(nanoseconds(i * 1000));
    }
    EXPECT_EQ(stats.count(), 100u);
    EXPECT_EQ(stats.percentile(50), nanoseconds(50'000));
    EXPECT_EQ(stats.percentile(99), nanoseconds(99'000));
    EXPECT_EQ(stats.percentile(99.9), nanoseconds(100'000));
    EXPECT_EQ(stats.percentile(100), nanoseconds(100'000));
    EXPECT_EQ(stats.json_fields(), R"("p50_us":50.0,"p99_us":99.0,"p999_us":100.0,"max_us":100.0)");
}

TEST(latency_stats, samples_added_after_a_query_count) {
    latency_stats stats;
    stats.add(nanoseconds(5));
    EXPECT_EQ(stats.percentile(100), nanoseconds(5));
    stats.add(nanoseconds(1));
    stats.add(nanoseconds(9));
    EXPECT_EQ(stats.percentile(1), nanoseconds(1));
    EXPECT_EQ(stats.percentile(100), nanoseconds(9));
}

TEST(latency_stats, empty_is_zero) { EXPECT_EQ(latency_stats().percentile(50), nanoseconds(0)); }

TEST(latency_stats, one_sample_is_every_percentile) {
    latency_stats stats;
    stats.add(nanoseconds(1500));
    EXPECT_EQ(stats.percentile(1), nanoseconds(1500));
    EXPECT_EQ(stats.percentile(100), nanoseconds(1500));
}

TEST(latency_stats, json_keys_take_a_prefix) {
    latency_stats stats;
    stats.add(nanoseconds(1500));
    EXPECT_EQ(stats.json_fields("observer_"),
              R"("observer_p50_us":1.5,"observer_p99_us":1.5,"observer_p999_us":1.5,"observer_max_us":1.5)");
}

} // namespace
} // namespace herd::bench
