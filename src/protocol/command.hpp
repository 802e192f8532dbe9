#pragma once

#include <cstddef>
#include <string_view>
#include <variant>

#include "geo/timestamp.hpp"

namespace herd::protocol {

inline constexpr std::size_t max_client_id_bytes = 255;
inline constexpr unsigned max_radius_km = 50;
inline constexpr unsigned max_bound = 20;

// A client's report: `IAMAT <id> <location> <time>`. Views point into the parsed line.
struct iamat_command {
    std::string_view client_id;
    std::string_view location;    // checked (geo::is_iso6709), copied byte for byte into the AT line
    std::string_view client_time; // likewise
    geo::nanoseconds client_time_ns = 0;
};

// A query: `WHATSAT <id> <radius km> <bound>`.
struct whatsat_command {
    std::string_view client_id;
    double radius_km = 0;
    unsigned bound = 0;
};

// A line with nothing but white space: it gets no reply.
struct blank_line {};

// Anything else: answered with `? ` and the trimmed line.
struct invalid_command {
    std::string_view trimmed;
};

using command = std::variant<blank_line, iamat_command, whatsat_command, invalid_command>;

// True for the protocol's white space: space, tab, CR, LF, form feed, vertical tab.
constexpr bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

// The line without leading and trailing white space.
std::string_view trim(std::string_view line);

// Classifies one line (without its LF). Pure; the result's views point into `line`.
command parse_command(std::string_view line);

} // namespace herd::protocol
