#include "server/log_line_formatter.hpp"

#include <algorithm>
#include <ctime>

#include <fmt/format.h>
#include <spdlog/details/log_msg.h>

namespace herd::server {

void log_line_formatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
    append_header(msg.time, std::string_view(msg.logger_name.data(), msg.logger_name.size()), msg.level, dest);
    dest.append(msg.payload.begin(), msg.payload.end());
    dest.push_back('\n');
}

void log_line_formatter::cache_prefix(std::int64_t second) {
    const std::time_t t = static_cast<std::time_t>(second);
    std::tm utc{};
    ::gmtime_r(&t, &utc);
    const auto end = fmt::format_to_n(cached_prefix_.data(), cached_prefix_.size(), "{}-{:02}-{:02}T{:02}:{:02}:{:02}.",
                                      utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                                      utc.tm_sec);
    cached_prefix_bytes_ = std::min(end.size, cached_prefix_.size());
    cached_second_ = second;
}

std::unique_ptr<spdlog::formatter> log_line_formatter::clone() const {
    return std::make_unique<log_line_formatter>();
}

} // namespace herd::server
