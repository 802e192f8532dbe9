#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <boost/geometry/geometries/point.hpp>
#include <boost/geometry/index/rtree.hpp>

#include "places/gazetteer_loader.hpp"
#include "places/places_backend.hpp"

namespace herd::places {

// Nearby search over a gazetteer held in memory, indexed by an R-tree of points on the
// unit sphere, so a search costs O(log n + bound) and needs no network.
class offline_places final : public places_backend {
public:
    // `attribution` goes into every reply's `html_attributions`.
    offline_places(std::vector<place> places, std::string attribution);

    boost::asio::awaitable<boost::json::object> nearby(nearby_query query) override;
    bool answers_at_once() const override { return true; }

    // The same search, synchronously: nearest first, at most `bound`, all within the radius.
    boost::json::object search(const nearby_query& query) const;

    std::size_t size() const { return places_.size(); }

private:
    using point = boost::geometry::model::point<double, 3, boost::geometry::cs::cartesian>;
    using entry = std::pair<point, std::uint32_t>; // index into places_

    std::vector<place> places_;
    std::string attribution_;
    boost::geometry::index::rtree<entry, boost::geometry::index::rstar<16>> index_;
};

} // namespace herd::places
