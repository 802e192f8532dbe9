#include "places/google_format.hpp"

#include <algorithm>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "common/append_decimal.hpp"
#include "geo/distance.hpp"

namespace herd::places {
namespace {

namespace json = boost::json;

constexpr std::string_view legacy_path = "/maps/api/place/nearbysearch/json";
constexpr std::string_view new_path = "/v1/places:searchNearby";
constexpr std::string_view new_field_mask =
    "places.id,places.displayName,places.location,places.types,places.shortFormattedAddress,places.rating";

// Decimal text of `value` without exponent or `+`: what Google's URL parameters take.
std::string decimal(double value) {
    std::string text;
    append_shortest_fixed(text, value);
    return text;
}

double radius_metres(const nearby_query& query) { return query.radius_km * 1000.0; }

json::value parse_or_null(std::string_view body) {
    boost::system::error_code error;
    json::value value = json::parse(body, error);
    return error ? json::value(nullptr) : value;
}

void cut(json::array& results, unsigned bound) {
    if (results.size() > bound) {
        results.erase(results.begin() + bound, results.end());
    }
}

// True when a legacy result's geometry.location is within the query's radius.
bool within_radius(const json::value& result, const nearby_query& query) {
    boost::system::error_code absent;
    const json::value* lat = result.find_pointer("/geometry/location/lat", absent);
    const json::value* lng = result.find_pointer("/geometry/location/lng", absent);
    if (lat == nullptr || lng == nullptr || !lat->is_number() || !lng->is_number()) {
        return false;
    }
    return geo::distance_km(query.centre, {lat->to_number<double>(), lng->to_number<double>()}) <= query.radius_km;
}

std::string_view status_for_new_error(std::string_view status) {
    if (status == "PERMISSION_DENIED" || status == "UNAUTHENTICATED") {
        return "REQUEST_DENIED";
    }
    if (status == "RESOURCE_EXHAUSTED") {
        return "OVER_QUERY_LIMIT";
    }
    if (status == "INVALID_ARGUMENT") {
        return "INVALID_REQUEST";
    }
    return "UNKNOWN_ERROR";
}

json::object map_new_place(const json::object& place) {
    json::object result;
    const json::value* location = place.if_contains("location");
    const json::object* l = location != nullptr ? location->if_object() : nullptr;
    const json::value* lat = l != nullptr ? l->if_contains("latitude") : nullptr;
    const json::value* lng = l != nullptr ? l->if_contains("longitude") : nullptr;
    if (lat != nullptr && lng != nullptr && lat->is_number() && lng->is_number()) { // else no geometry, not 0,0
        result["geometry"] = json::object{{"location", json::object{{"lat", *lat}, {"lng", *lng}}}};
    }
    if (const auto* name = place.if_contains("displayName"); name && name->is_object()) {
        if (const auto* text = name->get_object().if_contains("text")) {
            result["name"] = *text;
        }
    }
    if (const auto* id = place.if_contains("id")) {
        result["place_id"] = *id;
    }
    if (const auto* rating = place.if_contains("rating")) {
        result["rating"] = *rating;
    }
    if (const auto* types = place.if_contains("types")) {
        result["types"] = *types;
    }
    if (const auto* address = place.if_contains("shortFormattedAddress")) {
        result["vicinity"] = *address;
    }
    return result;
}

} // namespace

std::string_view status_for_http(unsigned http_status) {
    switch (http_status) {
    case 400: return "INVALID_REQUEST";
    case 401:
    case 403: return "REQUEST_DENIED";
    case 429: return "OVER_QUERY_LIMIT";
    default: return "UNKNOWN_ERROR";
    }
}

json::object failure_reply(std::string_view status, std::string_view message) {
    return json::object{
        {"error_message", message},
        {"html_attributions", json::array{}},
        {"results", json::array{}},
        {"status", status},
    };
}

upstream_request legacy_request(const nearby_query& query, std::string_view key) {
    const std::string params = fmt::format("location={},{}&radius={}", decimal(query.centre.latitude),
                                           decimal(query.centre.longitude), decimal(radius_metres(query)));
    upstream_request request;
    request.method = "GET";
    request.target = fmt::format("{}?{}&key={}", legacy_path, params, key);
    request.log_line = fmt::format("GET {}?{}&key=REDACTED", legacy_path, params);
    return request;
}

upstream_request new_request(const nearby_query& query, std::string_view key) {
    upstream_request request;
    request.method = "POST";
    request.target = std::string(new_path);
    request.headers = {{"Content-Type", "application/json"},
                       {"X-Goog-Api-Key", std::string(key)},
                       {"X-Goog-FieldMask", std::string(new_field_mask)}};
    // Written by hand so numbers read as people write them (Boost.JSON would write 3.406893E1).
    request.body = fmt::format(
        R"({{"locationRestriction":{{"circle":{{"center":{{"latitude":{},"longitude":{}}},"radius":{}}}}},"maxResultCount":{}}})",
        decimal(query.centre.latitude), decimal(query.centre.longitude), decimal(radius_metres(query)), query.bound);
    request.log_line = fmt::format("POST {} {}", new_path, request.body);
    return request;
}

json::object legacy_reply(unsigned http_status, std::string_view body, const nearby_query& query) {
    if (http_status != 200) {
        return failure_reply(status_for_http(http_status), fmt::format("upstream answered HTTP {}", http_status));
    }
    json::value parsed = parse_or_null(body);
    json::object* reply = parsed.if_object();
    const json::value* status_value = reply ? reply->if_contains("status") : nullptr;
    if (status_value == nullptr || !status_value->is_string()) {
        return failure_reply("UNKNOWN_ERROR", "upstream answered with something other than a Places reply");
    }
    // Copied: adding keys below may move the object's members.
    const std::string status(status_value->get_string());
    json::value& results = (*reply)["results"];
    if (!results.is_array()) {
        results = json::array{};
    }
    if (status != "OK" && status != "ZERO_RESULTS") {
        results.get_array().clear();
        if (!reply->contains("error_message")) {
            (*reply)["error_message"] = "upstream answered " + status;
        }
    }
    json::array& kept = (*reply)["results"].get_array();
    kept.erase(std::remove_if(kept.begin(), kept.end(), [&](const json::value& r) { return !within_radius(r, query); }),
               kept.end());
    cut(kept, query.bound);
    if (status == "OK" && kept.empty()) {
        (*reply)["status"] = "ZERO_RESULTS";
    }
    if (!reply->contains("html_attributions")) {
        (*reply)["html_attributions"] = json::array{};
    }
    return std::move(*reply);
}

json::object new_reply(unsigned http_status, std::string_view body, const nearby_query& query) {
    json::value parsed = parse_or_null(body);
    const json::object* reply = parsed.if_object();
    if (http_status != 200) {
        const json::value* error = reply ? reply->if_contains("error") : nullptr;
        if (error && error->is_object()) {
            const json::object& e = error->get_object();
            const json::value* status = e.if_contains("status");
            const json::value* message = e.if_contains("message");
            return failure_reply(status_for_new_error(status && status->is_string() ? status->get_string().c_str() : ""),
                                 message && message->is_string() ? std::string_view(message->get_string())
                                                                 : std::string_view("upstream error"));
        }
        return failure_reply(status_for_http(http_status), fmt::format("upstream answered HTTP {}", http_status));
    }
    if (reply == nullptr) {
        return failure_reply("UNKNOWN_ERROR", "upstream answered with something other than a Places reply");
    }
    json::array results;
    if (const json::value* places = reply->if_contains("places"); places && places->is_array()) {
        for (const json::value& place : places->get_array()) {
            if (!place.is_object()) {
                continue;
            }
            json::object result = map_new_place(place.get_object());
            if (within_radius(result, query)) {
                results.push_back(std::move(result));
            }
        }
    }
    cut(results, query.bound);
    const bool any = !results.empty();
    return json::object{
        {"html_attributions", json::array{}},
        {"results", std::move(results)},
        {"status", any ? "OK" : "ZERO_RESULTS"},
    };
}

} // namespace herd::places
