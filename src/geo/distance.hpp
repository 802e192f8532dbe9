#pragma once

#include "geo/coordinates.hpp"

namespace herd::geo {

// Mean Earth radius (IUGG), the radius every distance in herd uses.
inline constexpr double earth_radius_km = 6371.0088;

// Great-circle distance in kilometres (haversine), accurate for all pairs of points.
double distance_km(const coordinates& a, const coordinates& b);

} // namespace herd::geo
