#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bench/load.hpp"
#include "geo/timestamp.hpp"

namespace herd::bench {

// The point the load generator reports for client number `n`, in millionths of a degree (the
// same for every mode, so Redis and a member store the same points): a spread around UCLA,
// latitude 34 + (n mod 1009) / 10^4, longitude -118.5 + (n mod 1013) / 10^4.
struct bench_point {
    std::int32_t lat_micro;
    std::int32_t lng_micro;
};
bench_point point_of(std::size_t n);

// Appends `micro` millionths as a decimal with six fraction digits, "-118.498700" (with a
// leading '+' for zero and up when `plus` is set): what printf's "%+.6f" / "%.6f" print.
void append_micro_degrees(std::string& out, std::int32_t micro, bool plus);

// Appends the load generator's command for client number `n` in `options.mode` (nothing for
// idle): `IAMAT <prefix><n> <point> <time>`, `WHATSAT <prefix><n> <radius> <bound>`, or RESP
// `GEOADD herd <lng> <lat> <prefix><n>`. `time` is the IAMAT's client time. Formats by hand:
// the generator shares the cores with the servers it measures, so CPU it spends is taken
// from them.
void append_command(std::string& out, const load_options& options, std::size_t n, geo::nanoseconds time);

// The client times of the generator's IAMATs: the clock's reading for their write, or a
// nanosecond after the last time given, whichever is later. So each client's times rise (a
// member keeps only a newer report), for the commands of one write and if the clock steps back.
class client_times {
public:
    geo::nanoseconds next(geo::nanoseconds clock) {
        last_ = std::max(clock, last_ + 1);
        return last_;
    }

private:
    geo::nanoseconds last_ = 0;
};

// Appends one write's commands: `count` of them, for client numbers `first`, `first + 1`...
// (modulo options.ids), each IAMAT timed by `times` from the clock's reading `clock`.
void append_commands(std::string& out, const load_options& options, std::size_t first, std::size_t count,
                     geo::nanoseconds clock, client_times& times);

// The length of the first complete reply in `in` from `scan` on, or 0 when it is not all
// there yet. `scan` is where the search for its end resumes (so a long reply is scanned once).
std::size_t reply_length(load_mode mode, std::string_view in, std::size_t& scan);

// True when `reply` (one whole reply) is a refusal: a line starting `?`, or for GEOADD any
// reply but a RESP integer (`:N`).
bool is_error(load_mode mode, std::string_view reply);

} // namespace herd::bench
