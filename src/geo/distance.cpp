#include "geo/distance.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace herd::geo {

double distance_km(const coordinates& a, const coordinates& b) {
    constexpr double to_radians = std::numbers::pi / 180.0;
    const double phi1 = a.latitude * to_radians;
    const double phi2 = b.latitude * to_radians;
    const double dphi = phi2 - phi1;
    const double dlambda = (b.longitude - a.longitude) * to_radians;
    const double h = std::sin(dphi / 2) * std::sin(dphi / 2) +
                     std::cos(phi1) * std::cos(phi2) * std::sin(dlambda / 2) * std::sin(dlambda / 2);
    return 2 * earth_radius_km * std::asin(std::sqrt(std::clamp(h, 0.0, 1.0)));
}

} // namespace herd::geo
