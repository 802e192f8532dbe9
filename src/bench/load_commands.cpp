#include "bench/load_commands.hpp"

#include "common/append_decimal.hpp"
#include "protocol/reply.hpp"

namespace herd::bench {
namespace {

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
    if (micro < 0) {
        out += '-';
    } else if (plus) {
        out += '+';
    }
    // The magnitude as unsigned, so even the most negative value has one.
    const std::uint64_t magnitude = micro < 0 ? 0 - static_cast<std::uint64_t>(static_cast<std::int64_t>(micro))
                                              : static_cast<std::uint64_t>(micro);
    append_fixed_point<6>(out, magnitude);
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
        for (const std::int32_t micro : {p.lng_micro, p.lat_micro}) {
            std::string degrees; // at most 12 bytes: no heap block
            append_micro_degrees(degrees, micro, false);
            append_bulk_header(out, degrees.size());
            out += degrees;
            out += "\r\n";
        }
        append_bulk_header(out, options.id_prefix.size() + decimal_length(n));
        out += options.id_prefix;
        append_decimal(out, n);
        out += "\r\n";
        break;
    }
    case load_mode::idle:
        break;
    }
}

void append_commands(std::string& out, const load_options& options, std::size_t first, std::size_t count,
                     geo::nanoseconds clock, client_times& times) {
    for (std::size_t i = 0; i < count; ++i) {
        append_command(out, options, (first + i) % options.ids, options.mode == load_mode::iamat ? times.next(clock) : 0);
    }
}

std::size_t reply_length(load_mode mode, std::string_view in, std::size_t& scan) {
    // A RESP reply to GEOADD is one line, as an IAMAT's is.
    return protocol::reply_length(mode == load_mode::whatsat ? protocol::reply_framing::whatsat
                                                             : protocol::reply_framing::line,
                                  in, scan);
}

bool is_error(load_mode mode, std::string_view reply) {
    return mode == load_mode::geoadd ? !reply.starts_with(":") : reply.starts_with("?");
}

} // namespace herd::bench
