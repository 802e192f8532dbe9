#include "store/location_store.hpp"

#include <algorithm>
#include <array>

#include <gtest/gtest.h>

namespace herd::store {
namespace {

location_record record(std::string origin, geo::nanoseconds time, std::string tail = "k +1+1 1") {
    return location_record{"AT " + origin + " +0.000000001 " + tail, time, {1, 1}};
}

TEST(location_store, keeps_the_first_record) {
    location_store store;
    EXPECT_TRUE(store.merge("k", record("Clark", 5)));
    ASSERT_NE(store.find("k"), nullptr);
    EXPECT_EQ(store.find("k")->origin(), "Clark");
    EXPECT_EQ(store.find("other"), nullptr);
}

TEST(location_store, newer_client_time_wins_and_older_changes_nothing) {
    location_store store;
    store.merge("k", record("Clark", 5));
    EXPECT_TRUE(store.merge("k", record("Bona", 6)));
    EXPECT_EQ(store.find("k")->origin(), "Bona");
    EXPECT_FALSE(store.merge("k", record("Zeta", 4)));
    EXPECT_EQ(store.find("k")->origin(), "Bona");
    EXPECT_EQ(store.find("k")->client_time_ns, 6);
}

TEST(location_store, same_time_goes_to_the_higher_origin) {
    location_store store;
    store.merge("k", record("Bona", 5));
    EXPECT_TRUE(store.merge("k", record("Clark", 5)));
    EXPECT_FALSE(store.merge("k", record("Bailey", 5)));
    EXPECT_EQ(store.find("k")->origin(), "Clark");
}

TEST(location_store, an_identical_record_changes_nothing) {
    location_store store;
    store.merge("k", record("Bona", 5));
    EXPECT_FALSE(store.merge("k", record("Bona", 5)));
}

TEST(location_store, every_arrival_order_converges_to_the_same_record) {
    std::array<location_record, 5> updates{record("Bona", 5), record("Clark", 7, "k +2+2 7"), record("Bailey", 7),
                                           record("Clark", 7, "k +3+3 7"), record("Jaquez", 6)};
    std::array<int, 5> order{0, 1, 2, 3, 4};
    std::string expected;
    do {
        location_store store;
        for (const int i : order) {
            store.merge("k", updates[static_cast<std::size_t>(i)]);
        }
        if (expected.empty()) {
            expected = store.find("k")->at_line;
        }
        ASSERT_EQ(store.find("k")->at_line, expected);
    } while (std::next_permutation(order.begin(), order.end()));
    EXPECT_EQ(expected, "AT Clark +0.000000001 k +3+3 7");
}

TEST(location_store, slots_stay_put_as_records_are_added_and_replaced) {
    location_store store;
    store.merge("a", record("Bona", 5));
    store.merge("b", record("Bona", 5));
    store.merge("a", record("Bona", 9));
    ASSERT_EQ(store.size(), 2u);
    EXPECT_EQ(store.slot(0).client_time_ns, 9);
    EXPECT_EQ(&store.slot(1), store.find("b"));
}

TEST(location_store, clients_are_independent) {
    location_store store;
    store.merge("a", record("Bona", 5));
    store.merge("b", record("Clark", 1));
    EXPECT_EQ(store.size(), 2u);
    EXPECT_EQ(store.find("a")->origin(), "Bona");
    EXPECT_EQ(store.find("b")->origin(), "Clark");
}

} // namespace
} // namespace herd::store
