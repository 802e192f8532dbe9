#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include <spdlog/formatter.h>

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

private:
    std::int64_t cached_second_ = INT64_MIN;   // since the epoch, of cached_prefix_
    std::array<char, 32> cached_prefix_{};     // `YYYY-MM-DDTHH:MM:SS.`
    std::size_t cached_prefix_bytes_ = 0;
};

} // namespace herd::server
