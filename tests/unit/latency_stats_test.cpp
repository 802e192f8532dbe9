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

// 99.9 / 100 * 1000 is a hair above 999 in floating point: its ceiling would take the maximum.
TEST(latency_stats, the_rank_is_exact_where_floating_point_is_not) {
    latency_stats thousand;
    for (int i = 1; i <= 1000; ++i) {
        thousand.add(nanoseconds(i));
    }
    EXPECT_EQ(thousand.percentile(99.9), nanoseconds(999));
    latency_stats ten_thousand;
    for (int i = 1; i <= 10'000; ++i) {
        ten_thousand.add(nanoseconds(i));
    }
    EXPECT_EQ(ten_thousand.percentile(99.9), nanoseconds(9990));
    EXPECT_EQ(ten_thousand.percentile(99), nanoseconds(9900));
    EXPECT_EQ(ten_thousand.percentile(0.1), nanoseconds(10));
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

TEST(latency_stats, empty_is_zero_and_null_in_json) {
    EXPECT_EQ(latency_stats().percentile(50), nanoseconds(0));
    EXPECT_EQ(latency_stats().json_fields(), R"("p50_us":null,"p99_us":null,"p999_us":null,"max_us":null)");
}

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
