#include "protocol/command.hpp"

#include <algorithm>
#include <array>

#include "geo/coordinates.hpp"

namespace herd::protocol {
namespace {

constexpr std::size_t command_fields = 4;

// Splits `line` into white-space-separated fields. Returns how many fields there are,
// storing at most fields.size() of them.
std::size_t split_fields(std::string_view line, std::array<std::string_view, command_fields>& fields) {
    std::size_t count = 0;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && is_space(line[i])) {
            ++i;
        }
        if (i == line.size()) {
            break;
        }
        const std::size_t begin = i;
        while (i < line.size() && !is_space(line[i])) {
            ++i;
        }
        if (count < fields.size()) {
            fields[count] = line.substr(begin, i - begin);
        }
        ++count;
    }
    return count;
}

bool valid_client_id(std::string_view id) { return !id.empty() && id.size() <= max_client_id_bytes; }

std::optional<unsigned> parse_bound(std::string_view text) {
    if (text.empty()) {
        return std::nullopt;
    }
    // Leading zeros are the same integer (as a radius's are): 0005 is 5.
    text.remove_prefix(std::min(text.find_first_not_of('0'), text.size() - 1));
    if (text.size() > 3) {
        return std::nullopt;
    }
    unsigned value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    return value <= max_bound ? std::optional<unsigned>(value) : std::nullopt;
}

std::optional<iamat_command> parse_iamat(const std::array<std::string_view, command_fields>& f) {
    if (!valid_client_id(f[1])) {
        return std::nullopt;
    }
    // The location is only checked: a member keeps the line, not numbers, and converts a
    // position when a WHATSAT asks for it.
    const auto time = geo::parse_posix_time(f[3]);
    if (!geo::is_iso6709(f[2]) || !time) {
        return std::nullopt;
    }
    return iamat_command{f[1], f[2], f[3], *time};
}

std::optional<whatsat_command> parse_whatsat(const std::array<std::string_view, command_fields>& f) {
    if (!valid_client_id(f[1])) {
        return std::nullopt;
    }
    const auto radius = geo::parse_bounded_decimal(f[2], max_radius_km);
    const auto bound = parse_bound(f[3]);
    if (!radius || !bound) {
        return std::nullopt;
    }
    return whatsat_command{f[1], *radius, *bound};
}

} // namespace

std::string_view trim(std::string_view line) {
    std::size_t begin = 0;
    std::size_t end = line.size();
    while (begin < end && is_space(line[begin])) {
        ++begin;
    }
    while (end > begin && is_space(line[end - 1])) {
        --end;
    }
    return line.substr(begin, end - begin);
}

command parse_command(std::string_view line) {
    const std::string_view trimmed = trim(line);
    if (trimmed.empty()) {
        return blank_line{};
    }
    std::array<std::string_view, command_fields> fields;
    if (split_fields(trimmed, fields) == command_fields) {
        if (fields[0] == "IAMAT") {
            if (auto iamat = parse_iamat(fields)) {
                return *iamat;
            }
        } else if (fields[0] == "WHATSAT") {
            if (auto whatsat = parse_whatsat(fields)) {
                return *whatsat;
            }
        }
    }
    return invalid_command{trimmed};
}

} // namespace herd::protocol
