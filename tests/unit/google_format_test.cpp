#include "places/google_format.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "places/https_client.hpp"

namespace herd::places {
namespace {

namespace json = boost::json;

const nearby_query ucla{{34.068930, -118.445127}, 10, 5};

TEST(google_format, legacy_request_has_no_raw_plus_and_radius_in_metres) {
    const auto request = legacy_request(ucla, "KEY");
    EXPECT_EQ(request.method, "GET");
    EXPECT_EQ(request.target, "/maps/api/place/nearbysearch/json?location=34.06893,-118.445127&radius=10000&key=KEY");
    EXPECT_EQ(request.log_line, "GET /maps/api/place/nearbysearch/json?location=34.06893,-118.445127&radius=10000&key=REDACTED");
    EXPECT_TRUE(request.headers.empty());
    const auto tiny = legacy_request({{0.00001, -0.5}, 0.5, 1}, "K");
    EXPECT_EQ(tiny.target, "/maps/api/place/nearbysearch/json?location=0.00001,-0.5&radius=500&key=K");
}

TEST(google_format, new_request_carries_key_mask_and_circle) {
    const auto request = new_request(ucla, "KEY");
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.target, "/v1/places:searchNearby");
    EXPECT_EQ(request.body, R"({"locationRestriction":{"circle":{"center":{"latitude":34.06893,"longitude":-118.445127},"radius":10000}},"maxResultCount":5})");
    const auto body = json::parse(request.body);
    EXPECT_EQ(body.at("maxResultCount").to_number<int>(), 5);
    EXPECT_DOUBLE_EQ(body.at("locationRestriction").at("circle").at("radius").to_number<double>(), 10000);
    bool has_key = false;
    for (const auto& [name, value] : request.headers) {
        has_key = has_key || (name == "X-Goog-Api-Key" && value == "KEY");
    }
    EXPECT_TRUE(has_key);
    EXPECT_EQ(request.log_line.find("KEY"), std::string::npos);
}

// A legacy result at `lat`, `lng`, named `name`.
std::string legacy_place(const std::string& name, double lat, double lng) {
    return R"({"geometry":{"location":{"lat":)" + std::to_string(lat) + R"(,"lng":)" + std::to_string(lng) +
           R"(}},"name":")" + name + R"("})";
}

TEST(google_format, legacy_reply_keeps_keys_and_cuts_results) {
    const std::string three = legacy_place("a", 34.07, -118.44) + "," + legacy_place("b", 34.071, -118.44) + "," +
                              legacy_place("c", 34.072, -118.44);
    const auto reply = legacy_reply(
        200, R"({"html_attributions":[],"next_page_token":"t","results":[)" + three + R"(],"status":"OK"})",
        nearby_query{ucla.centre, 10, 2});
    EXPECT_EQ(reply.at("results").as_array().size(), 2u);
    EXPECT_EQ(reply.at("next_page_token").as_string(), "t");
    EXPECT_EQ(reply.at("status").as_string(), "OK");
}

TEST(google_format, legacy_error_statuses_pass_through_with_a_message) {
    const auto denied = legacy_reply(200, R"({"results":[],"status":"OVER_QUERY_LIMIT"})", ucla);
    EXPECT_EQ(denied.at("status").as_string(), "OVER_QUERY_LIMIT");
    EXPECT_EQ(denied.at("error_message").as_string(), "upstream answered OVER_QUERY_LIMIT");
    EXPECT_TRUE(denied.at("html_attributions").as_array().empty());
    EXPECT_EQ(legacy_reply(503, "", ucla).at("status").as_string(), "UNKNOWN_ERROR");
    EXPECT_EQ(legacy_reply(403, "", ucla).at("status").as_string(), "REQUEST_DENIED");
    EXPECT_EQ(legacy_reply(429, "", ucla).at("status").as_string(), "OVER_QUERY_LIMIT");
    EXPECT_EQ(legacy_reply(200, "[]", ucla).at("status").as_string(), "UNKNOWN_ERROR");
    EXPECT_EQ(legacy_reply(200, "{", ucla).at("status").as_string(), "UNKNOWN_ERROR");
}

// A legacy search's radius only biases it: results beyond the radius, or without a
// location, are not the client's.
TEST(google_format, legacy_reply_keeps_only_results_within_the_radius) {
    const std::string mixed = legacy_place("near", 34.07, -118.44) + "," + legacy_place("far", 34.2, -118.44) + "," +
                              R"({"name":"nowhere"})" + "," + legacy_place("also near", 34.08, -118.45);
    const auto reply =
        legacy_reply(200, R"({"html_attributions":[],"results":[)" + mixed + R"(],"status":"OK"})", ucla);
    const auto& results = reply.at("results").as_array();
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[0].at("name").as_string(), "near");
    EXPECT_EQ(results[1].at("name").as_string(), "also near");
    EXPECT_EQ(reply.at("status").as_string(), "OK");
    // Nothing left within the radius: ZERO_RESULTS, as Google says when it finds nothing.
    const auto none = legacy_reply(200, R"({"results":[)" + legacy_place("far", 34.2, -118.44) + R"(],"status":"OK"})",
                                   ucla);
    EXPECT_TRUE(none.at("results").as_array().empty());
    EXPECT_EQ(none.at("status").as_string(), "ZERO_RESULTS");
}

TEST(google_format, new_reply_maps_places_and_errors) {
    const auto reply = new_reply(
        200, R"({"places":[{"id":"a","displayName":{"text":"A"},"location":{"latitude":34.0715,"longitude":-118.44},"types":["x"],"shortFormattedAddress":"S","rating":3}]})", ucla);
    const auto& r = reply.at("results").as_array().at(0).as_object();
    EXPECT_EQ(r.at("name").as_string(), "A");
    EXPECT_EQ(r.at("place_id").as_string(), "a");
    EXPECT_EQ(r.at("vicinity").as_string(), "S");
    EXPECT_DOUBLE_EQ(r.at("geometry").at("location").at("lat").as_double(), 34.0715);
    EXPECT_EQ(reply.at("status").as_string(), "OK");
    EXPECT_EQ(new_reply(200, "{}", ucla).at("status").as_string(), "ZERO_RESULTS");
    const auto exhausted = new_reply(429, R"({"error":{"code":429,"message":"Quota","status":"RESOURCE_EXHAUSTED"}})", ucla);
    EXPECT_EQ(exhausted.at("status").as_string(), "OVER_QUERY_LIMIT");
    EXPECT_EQ(exhausted.at("error_message").as_string(), "Quota");
    EXPECT_EQ(new_reply(500, "oops", ucla).at("status").as_string(), "UNKNOWN_ERROR");
}

// Google's locationRestriction should keep places inside the circle, but the member promises
// the client its radius whatever upstream does: far places, and places without a location
// (or with half of one), are not the client's.
TEST(google_format, new_reply_keeps_only_places_within_the_radius) {
    const auto place = [](const std::string& id, const std::string& location) {
        return R"({"id":")" + id + R"(")" + (location.empty() ? "" : R"(,"location":)" + location) + "}";
    };
    const std::string places = place("near", R"({"latitude":34.07,"longitude":-118.44})") + "," +
                               place("far", R"({"latitude":34.2,"longitude":-118.44})") + "," + place("nowhere", "") +
                               "," + place("half", R"({"latitude":34.07})") + "," +
                               place("also near", R"({"latitude":34.08,"longitude":-118.45})");
    const auto reply = new_reply(200, R"({"places":[)" + places + "]}", ucla);
    const auto& results = reply.at("results").as_array();
    ASSERT_EQ(results.size(), 2u) << boost::json::serialize(reply);
    EXPECT_EQ(results[0].at("place_id").as_string(), "near");
    EXPECT_EQ(results[1].at("place_id").as_string(), "also near");
    const auto none = new_reply(200, R"({"places":[)" + place("far", R"({"latitude":34.2,"longitude":-118.44})") + "]}", ucla);
    EXPECT_TRUE(none.at("results").as_array().empty());
    EXPECT_EQ(none.at("status").as_string(), "ZERO_RESULTS");
}

TEST(https_origin, parses_host_and_port) {
    EXPECT_EQ(parse_https_origin("https://maps.googleapis.com")->host, "maps.googleapis.com");
    EXPECT_EQ(parse_https_origin("https://maps.googleapis.com/")->port, 443);
    const auto local = parse_https_origin("https://127.0.0.1:8443");
    ASSERT_TRUE(local);
    EXPECT_EQ(local->host, "127.0.0.1");
    EXPECT_EQ(local->port, 8443);
    for (const char* bad : {"http://x", "https://", "https://x:0", "https://x:70000", "https://x/path", "https://x:y"}) {
        EXPECT_FALSE(parse_https_origin(bad)) << bad;
    }
}

} // namespace
} // namespace herd::places
