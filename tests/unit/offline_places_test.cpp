#include "places/offline_places.hpp"

#include <fstream>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "geo/distance.hpp"

namespace herd::places {
namespace {

namespace json = boost::json;

const geo::coordinates ucla{34.068930, -118.445127};

offline_places fixture() { return offline_places(load_gazetteer(HERD_TEST_DATA "/places.json"), "Test attribution"); }

std::vector<std::string> names(const json::object& reply) {
    std::vector<std::string> result;
    for (const auto& r : reply.at("results").as_array()) {
        result.emplace_back(r.at("name").as_string());
    }
    return result;
}

TEST(gazetteer, loads_every_entry_with_vicinity_from_admin_files) {
    const auto places = load_gazetteer(HERD_TEST_DATA "/places.json");
    ASSERT_EQ(places.size(), 28u);
    EXPECT_EQ(places[0].name, "Bel Air");
    EXPECT_EQ(places[0].vicinity, "Los Angeles County, California, US");
    EXPECT_EQ(places[25].vicinity, "New South Wales, AU"); // Sydney: no admin2 name
    EXPECT_EQ(places[26].vicinity, "FJ");
    EXPECT_EQ(places[27].vicinity, "Across the antimeridian");
    EXPECT_EQ(places[0].place_id, load_gazetteer(HERD_TEST_DATA "/places.json")[0].place_id);
    EXPECT_NE(places[0].place_id, places[1].place_id);
}

class temp_file {
public:
    explicit temp_file(std::string_view text) : path_(testing::TempDir() + "herd_places_test.json") {
        std::ofstream(path_) << text;
    }
    ~temp_file() { std::remove(path_.c_str()); }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

TEST(gazetteer, rejects_bad_files_with_the_entry_named) {
    EXPECT_THROW(load_gazetteer("/nonexistent/places.json"), gazetteer_error);
    for (const char* text : {"{", "{}", R"([{"name":"A","lat":1}])", R"([{"name":"A","lat":91,"lng":0}])",
                             R"([{"lat":1,"lng":1}])", R"([{"name":"A","lat":"x","lng":1}])", "[1]",
                             R"([{"name":"A","lat":"nan","lng":1}])", R"([{"name":"A","lat":1,"lng":"-inf"}])"}) {
        const temp_file file(text);
        EXPECT_THROW(load_gazetteer(file.path()), gazetteer_error) << text;
    }
    const temp_file file(R"([{"name":"A","lat":1,"lng":1},{"name":"B","lat":1}])");
    try {
        load_gazetteer(file.path());
        FAIL() << "accepted a place without lng";
    } catch (const gazetteer_error& error) {
        EXPECT_NE(std::string(error.what()).find("entry 1"), std::string::npos) << error.what();
    }
}

TEST(offline_places, nearest_first_within_radius_at_most_bound) {
    const auto backend = fixture();
    const auto reply = backend.search({ucla, 10, 5});
    EXPECT_EQ(names(reply), (std::vector<std::string>{"Bel Air", "Westwood", "Century City", "Brentwood", "Sawtelle"}));
    EXPECT_EQ(reply.at("status").as_string(), "OK");
    EXPECT_EQ(reply.at("html_attributions").as_array().at(0).as_string(), "Test attribution");
}

TEST(offline_places, radius_cuts_before_the_bound) {
    const auto backend = fixture();
    const auto reply = backend.search({ucla, 5, 20});
    EXPECT_EQ(names(reply).size(), 6u); // Beverly Hills at 4.16 km is the last inside 5 km
    for (const auto& r : reply.at("results").as_array()) {
        const auto& location = r.at("geometry").at("location");
        const geo::coordinates at{location.at("lat").as_double(), location.at("lng").as_double()};
        EXPECT_LE(geo::distance_km(ucla, at), 5.0);
    }
}

TEST(offline_places, every_result_has_the_google_fields) {
    const auto reply = fixture().search({ucla, 50, 20});
    ASSERT_EQ(reply.at("results").as_array().size(), 20u);
    for (const auto& r : reply.at("results").as_array()) {
        const auto& o = r.as_object();
        for (const char* key : {"geometry", "name", "place_id", "types", "vicinity"}) {
            EXPECT_TRUE(o.contains(key)) << key;
        }
    }
}

TEST(offline_places, nothing_in_range_is_zero_results) {
    const auto backend = fixture();
    const auto far = backend.search({{0, 0}, 50, 20});
    EXPECT_TRUE(far.at("results").as_array().empty());
    EXPECT_EQ(far.at("status").as_string(), "ZERO_RESULTS");
    EXPECT_TRUE(backend.search({ucla, 10, 0}).at("results").as_array().empty());
    EXPECT_TRUE(backend.search({ucla, 0, 5}).at("results").as_array().empty());
}

TEST(offline_places, finds_places_across_the_antimeridian) {
    const auto reply = fixture().search({{-16.8, 180}, 10, 5});
    auto found = names(reply);
    std::sort(found.begin(), found.end());
    EXPECT_EQ(found, (std::vector<std::string>{"Edge East", "Edge West"}));
}

TEST(offline_places, agrees_with_a_linear_scan) {
    const auto places = load_gazetteer(HERD_TEST_DATA "/places.json");
    const offline_places backend(places, "");
    for (const double radius : {0.5, 2.0, 7.0, 12.0, 50.0}) {
        for (const unsigned bound : {1u, 3u, 20u}) {
            std::vector<std::pair<double, std::string>> scan;
            for (const auto& p : places) {
                const double km = geo::distance_km(ucla, p.position);
                if (km <= radius) {
                    scan.emplace_back(km, p.name);
                }
            }
            std::sort(scan.begin(), scan.end());
            scan.resize(std::min<std::size_t>(scan.size(), bound));
            std::vector<std::string> expected;
            for (const auto& [km, name] : scan) {
                expected.push_back(name);
            }
            EXPECT_EQ(names(backend.search({ucla, radius, bound})), expected) << radius << " km, " << bound;
        }
    }
}

} // namespace
} // namespace herd::places
