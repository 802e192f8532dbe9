#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "geo/coordinates.hpp"

namespace herd::places {

struct nearby_query {
    geo::coordinates centre;
    double radius_km = 0;
    unsigned bound = 0; // at most this many results
};

// Where WHATSAT finds places. Every backend answers in the shape of Google Places Nearby
// Search (legacy): `html_attributions`, `results` (at most `bound`, each within the radius,
// nearest first where the backend knows), `status`, and `error_message` on failure.
// A backend never throws for an upstream failure: it reports it in `status`.
class places_backend {
public:
    virtual ~places_backend() = default;

    // Looks up places near `query.centre`. Runs on the member's event loop and must not block it.
    virtual boost::asio::awaitable<boost::json::object> nearby(nearby_query query) = 0;

    // True when nearby() answers without waiting for anything (it never suspends).
    virtual bool answers_at_once() const { return false; }
};

} // namespace herd::places
