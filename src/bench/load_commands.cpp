#include "bench/load_commands.hpp"

#include <array>
#include <charconv>
#include <cstdlib>

#include "common/append_decimal.hpp"

namespace herd::bench {
namespace {

// `micro` millionths as "[-|+]D.DDDDDD" into `buffer`; returns the length.
std::size_t format_micro_degrees(std::array<char, 16>& buffer, std::int32_t micro, bool plus) {
    char* at = buffer.data();
    if (micro < 0) {
        *at++ = '-';
    } else if (plus) {
        *at++ = '+';
    }
    const auto magnitude = static_cast<std::uint32_t>(std::abs(static_cast<std::int64_t>(micro)));
    at = std::to_chars(at, buffer.data() + buffer.size(), magnitude / 1'000'000).ptr;
    *at++ = '.';
    std::uint32_t fraction = magnitude % 1'000'000;
    for (int digit = 5; digit >= 0; --digit) {
        at[digit] = static_cast<char>('0' + fraction % 10);
        fraction /= 10;
    }
    return static_cast<std::size_t>(at + 6 - buffer.data());
}

// RESP bulk string header: `$<length>\r\n`.
void append_bulk_header(std::string& out, std::size_t length) {
    out += '$';
    append_decimal(out, length);
    out += "\r\n";
}

} // namespace

bench_point point_of(std::size_t n) {
    return {34'000'000 + static_cast<std::int32_t>(n % 1009) * 100,
            -118'500'000 + static_cast<std::int32_t>(n % 1013) * 100};
}

void append_micro_degrees(std::string& out, std::int32_t micro, bool plus) {
    std::array<char, 16> buffer{};
    out.append(buffer.data(), format_micro_degrees(buffer, micro, plus));
}

void append_command(std::string& out, const load_options& options, std::size_t n, geo::nanoseconds time) {
    const bench_point p = point_of(n);
    switch (options.mode) {
    case load_mode::iamat:
        out += "IAMAT ";
        out += options.id_prefix;
        append_decimal(out, n);
        out += ' ';
        append_micro_degrees(out, p.lat_micro, true);
        append_micro_degrees(out, p.lng_micro, true);
        out += ' ';
        geo::append_posix_time(out, time);
        out += '\n';
        break;
    case load_mode::whatsat:
        out += "WHATSAT ";
        out += options.id_prefix;
        append_decimal(out, n);
        out += ' ';
        append_decimal(out, static_cast<std::uint64_t>(options.radius_km));
        out += ' ';
        append_decimal(out, static_cast<std::uint64_t>(options.bound));
        out += '\n';
        break;
    case load_mode::geoadd: {
        out += "*5\r\n$6\r\nGEOADD\r\n$4\r\nherd\r\n";
        std::array<char, 16> degrees{};
        for (const std::int32_t micro : {p.lng_micro, p.lat_micro}) {
            const std::size_t length = format_micro_degrees(degrees, micro, false);
            append_bulk_header(out, length);
            out.append(degrees.data(), length);
            out += "\r\n";
        }
        std::array<char, 20> digits{}; // the ID's length goes before it
        const std::size_t number_length =
            static_cast<std::size_t>(std::to_chars(digits.data(), digits.data() + digits.size(), n).ptr - digits.data());
        append_bulk_header(out, options.id_prefix.size() + number_length);
        out += options.id_prefix;
        out.append(digits.data(), number_length);
        out += "\r\n";
        break;
    }
    case load_mode::idle:
        break;
    }
}

std::size_t reply_length(load_mode mode, std::string_view in, std::size_t& scan) {
    const bool framed_by_blank_line = mode == load_mode::whatsat && !in.starts_with("?");
    const std::string_view end = framed_by_blank_line ? "\n\n" : "\n";
    const auto at = in.find(end, scan);
    if (at == std::string_view::npos) {
        scan = in.size() < end.size() ? 0 : in.size() - (end.size() - 1);
        return 0;
    }
    scan = 0;
    return at + end.size();
}

bool is_error(load_mode mode, std::string_view reply) {
    return mode == load_mode::geoadd ? !reply.starts_with(":") : reply.starts_with("?");
}

} // namespace herd::bench
