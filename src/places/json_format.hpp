#pragma once

#include <string>

#include <boost/json/value.hpp>

namespace herd::places {

// Writes `value` laid out as Google's Places web service does: three-space indents,
// `"key" : value`, arrays of scalars on one line, empty arrays as `[]`, numbers in their
// shortest exact form (never exponent notation for coordinates). Never emits an empty line.
std::string to_google_json(const boost::json::value& value);

} // namespace herd::places
