#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include <spdlog/common.h>
#include <spdlog/formatter.h>

#include "common/append_decimal.hpp"

namespace herd::server {

// Formats a log entry as `2026-12-01T06:31:12.123456Z <logger> <level> <message>` and a
// newline: what spdlog's pattern `%Y-%m-%dT%H:%M:%S.%fZ %n %l %v` (UTC) gives, byte for
// byte, without interpreting a pattern for every entry. The date and time up to the second
// are formatted once per second. A member formats two entries per client command at the
// default level, so this is on its hot path.
class log_line_formatter final : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
    std::unique_ptr<spdlog::formatter> clone() const override;

    // Appends an entry's start, `<time> <logger> <level> `, to `dest` (a std::string or
    // spdlog::memory_buf_t): what format() writes before the message.
    template <typename Buffer>
    void append_header(spdlog::log_clock::time_point time, std::string_view logger, spdlog::level::level_enum level,
                       Buffer& dest) {
        using namespace std::chrono;
        const auto since_epoch = duration_cast<microseconds>(time.time_since_epoch());
        const auto second = duration_cast<seconds>(since_epoch); // as spdlog's %f counts: toward zero
        if (second.count() != cached_second_) {
            cache_prefix(second.count());
        }
        append_bytes(dest, std::string_view(cached_prefix_.data(), cached_prefix_bytes_));
        char digits[8];
        write_fixed_digits<6>(digits, static_cast<std::uint64_t>((since_epoch - second).count()));
        digits[6] = 'Z';
        digits[7] = ' ';
        append_bytes(dest, std::string_view(digits, sizeof digits));
        append_bytes(dest, logger);
        dest.push_back(' ');
        const spdlog::string_view_t name = spdlog::level::to_string_view(level);
        append_bytes(dest, std::string_view(name.data(), name.size()));
        dest.push_back(' ');
    }

private:
    template <typename Buffer>
    static void append_bytes(Buffer& dest, std::string_view bytes) {
        if constexpr (std::is_same_v<Buffer, std::string>) {
            // Not append(first, last): libstdc++ takes that through the general replace().
            dest.append(bytes.data(), bytes.size());
        } else {
            dest.append(bytes.data(), bytes.data() + bytes.size());
        }
    }

    // Formats `YYYY-MM-DDTHH:MM:SS.` for `second` into cached_prefix_.
    void cache_prefix(std::int64_t second);

    std::int64_t cached_second_ = INT64_MIN;   // since the epoch, of cached_prefix_
    std::array<char, 32> cached_prefix_{};     // `YYYY-MM-DDTHH:MM:SS.`
    std::size_t cached_prefix_bytes_ = 0;
};

} // namespace herd::server
