#include "places/json_format.hpp"

#include <cstdlib>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace herd::places {
namespace {

namespace json = boost::json;

TEST(json_format, lays_out_like_google) {
    const json::value value = json::object{
        {"html_attributions", json::array{}},
        {"results", json::array{json::object{{"geometry", json::object{{"location", json::object{{"lat", 34.07362}, {"lng", -118.40036}}}}},
                                             {"types", json::array{"locality", "political"}}}}},
        {"status", "OK"},
    };
    EXPECT_EQ(to_google_json(value), R"({
   "html_attributions" : [],
   "results" : [
      {
         "geometry" : {
            "location" : {
               "lat" : 34.07362,
               "lng" : -118.40036
            }
         },
         "types" : [ "locality", "political" ]
      }
   ],
   "status" : "OK"
})");
}

TEST(json_format, numbers_are_never_in_exponent_form) {
    EXPECT_EQ(to_google_json(json::value(1e-5)), "0.00001");
    EXPECT_EQ(to_google_json(json::value(151.2)), "151.2");
    EXPECT_EQ(to_google_json(json::value(-3)), "-3");
    EXPECT_EQ(to_google_json(json::value(4.5e6)), "4500000");
    // However large or small: every digit, and the text reads back as the number.
    for (const double extreme : {1e300, -1e-300, 1.7976931348623157e308, 4.9406564584124654e-324}) {
        const std::string text = to_google_json(json::value(extreme));
        EXPECT_EQ(text.find_first_not_of("-0123456789."), std::string::npos) << text;
        EXPECT_EQ(std::strtod(text.c_str(), nullptr), extreme) << text; // stod refuses a subnormal
    }
}

TEST(json_format, strings_are_escaped_so_no_raw_newline_appears) {
    const std::string out = to_google_json(json::object{{"a\nb", "line\n\nbreak \"q\" é"}});
    EXPECT_EQ(out, "{\n   \"a\\nb\" : \"line\\n\\nbreak \\\"q\\\" é\"\n}");
    EXPECT_EQ(out.find("\n\n"), std::string::npos);
}

TEST(json_format, empty_containers_and_scalars) {
    EXPECT_EQ(to_google_json(json::object{}), "{}");
    EXPECT_EQ(to_google_json(json::object{{"x", json::object{}}, {"y", nullptr}, {"z", true}}),
              "{\n   \"x\" : {},\n   \"y\" : null,\n   \"z\" : true\n}");
}

TEST(json_format, round_trips_through_a_parser) {
    const json::value value = json::parse(R"({"a":[1,2.5,{"b":[]}],"c":"d","e":[[1],[2]]})");
    EXPECT_EQ(json::parse(to_google_json(value)), value);
}

} // namespace
} // namespace herd::places
