#include "geo/distance.hpp"

#include <gtest/gtest.h>

namespace herd::geo {
namespace {

TEST(distance, zero_for_the_same_point) { EXPECT_DOUBLE_EQ(distance_km({34.0, -118.0}, {34.0, -118.0}), 0); }

TEST(distance, ucla_to_beverly_hills) {
    // Reference: the haversine formula on the mean radius, computed independently.
    EXPECT_NEAR(distance_km({34.068930, -118.445127}, {34.07362, -118.40036}), 4.1562, 0.001);
}

TEST(distance, one_degree_of_latitude) { EXPECT_NEAR(distance_km({0, 0}, {1, 0}), 111.195, 0.001); }

TEST(distance, across_the_antimeridian_and_antipodes) {
    EXPECT_NEAR(distance_km({0, 179.5}, {0, -179.5}), 111.195, 0.001);
    EXPECT_NEAR(distance_km({0, 0}, {0, 180}), 20015.1, 0.1);
    EXPECT_NEAR(distance_km({90, 0}, {-90, 0}), 20015.1, 0.1);
}

} // namespace
} // namespace herd::geo
