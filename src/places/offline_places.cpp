#include "places/offline_places.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <boost/geometry.hpp>
#include <boost/iterator/function_output_iterator.hpp>
#include <boost/json.hpp>

#include "geo/distance.hpp"

namespace herd::places {
namespace {

namespace bgi = boost::geometry::index;
namespace json = boost::json;

template <typename Point>
Point on_unit_sphere(const geo::coordinates& c) {
    constexpr double to_radians = std::numbers::pi / 180.0;
    const double phi = c.latitude * to_radians;
    const double lambda = c.longitude * to_radians;
    return Point(std::cos(phi) * std::cos(lambda), std::cos(phi) * std::sin(lambda), std::sin(phi));
}

json::object to_result(const place& p) {
    return json::object{
        {"geometry", json::object{{"location", json::object{{"lat", p.position.latitude},
                                                            {"lng", p.position.longitude}}}}},
        {"name", p.name},
        {"place_id", p.place_id},
        {"types", json::array{"locality", "political"}},
        {"vicinity", p.vicinity},
    };
}

} // namespace

offline_places::offline_places(std::vector<place> places, std::string attribution)
    : places_(std::move(places)), attribution_(std::move(attribution)) {
    std::vector<entry> entries;
    entries.reserve(places_.size());
    for (std::size_t i = 0; i < places_.size(); ++i) {
        entries.emplace_back(on_unit_sphere<point>(places_[i].position), static_cast<std::uint32_t>(i));
    }
    index_ = decltype(index_)(entries.begin(), entries.end()); // bulk-loaded (packed)
}

boost::asio::awaitable<json::object> offline_places::nearby(nearby_query query) {
    co_return search(query);
}

json::object offline_places::search(const nearby_query& query) const {
    // The k nearest by chord are the k nearest by arc; drop those past the radius.
    std::vector<std::pair<double, std::uint32_t>> found;
    if (query.bound > 0) {
        const point centre = on_unit_sphere<point>(query.centre);
        index_.query(bgi::nearest(centre, query.bound), boost::make_function_output_iterator([&](const entry& e) {
                         const double km = geo::distance_km(query.centre, places_[e.second].position);
                         if (km <= query.radius_km) {
                             found.emplace_back(km, e.second);
                         }
                     }));
    }
    std::sort(found.begin(), found.end());
    json::array results;
    results.reserve(found.size());
    for (const auto& [km, i] : found) {
        results.emplace_back(to_result(places_[i]));
    }
    const bool any = !results.empty();
    return json::object{
        {"html_attributions", json::array{json::string(attribution_)}},
        {"results", std::move(results)},
        {"status", any ? "OK" : "ZERO_RESULTS"},
    };
}

} // namespace herd::places
