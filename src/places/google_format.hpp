#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "places/places_backend.hpp"

namespace herd::places {

// One request to a Google Places web service, before any I/O.
struct upstream_request {
    std::string method; // "GET" or "POST"
    std::string target; // path and query
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string log_line; // method and target with the key redacted: safe to log
};

// Nearby Search (legacy): GET /maps/api/place/nearbysearch/json?location=LAT,LNG&radius=M&key=KEY.
upstream_request legacy_request(const nearby_query& query, std::string_view key);

// Places API (New): POST /v1/places:searchNearby with the key and a field mask in headers.
upstream_request new_request(const nearby_query& query, std::string_view key);

// The WHATSAT JSON from a legacy answer to `query`: `results` within its radius (a legacy
// search's radius only biases it; a result without a location is dropped), then cut to its
// bound; every other key kept (`status` ZERO_RESULTS if no result is left). An HTTP error or
// a body that is not a Google reply becomes a failure_reply.
boost::json::object legacy_reply(unsigned http_status, std::string_view body, const nearby_query& query);

// The WHATSAT JSON from a Places API (New) answer to `query`: `places` mapped to legacy
// `results`, those within its radius kept (a place without a location is dropped: the
// client's radius cannot be checked; Google's circle is measured its own way), then cut to
// its bound.
boost::json::object new_reply(unsigned http_status, std::string_view body, const nearby_query& query);

// The legacy shape of a failure: no results, Google's status word, an error_message.
boost::json::object failure_reply(std::string_view status, std::string_view message);

// The legacy status word for an HTTP error status.
std::string_view status_for_http(unsigned http_status);

} // namespace herd::places
