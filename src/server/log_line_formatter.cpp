#include "server/log_line_formatter.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>

#include <fmt/format.h>
#include <spdlog/details/log_msg.h>

namespace herd::server {

void log_line_formatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
    using namespace std::chrono;
    const auto since_epoch = duration_cast<microseconds>(msg.time.time_since_epoch());
    const auto second = duration_cast<seconds>(since_epoch); // as spdlog's %f counts: toward zero
    if (second.count() != cached_second_) {
        const std::time_t t = static_cast<std::time_t>(second.count());
        std::tm utc{};
        ::gmtime_r(&t, &utc);
        const auto end = fmt::format_to_n(cached_prefix_.data(), cached_prefix_.size(),
                                          "{}-{:02}-{:02}T{:02}:{:02}:{:02}.", utc.tm_year + 1900, utc.tm_mon + 1,
                                          utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
        cached_prefix_bytes_ = std::min(end.size, cached_prefix_.size());
        cached_second_ = second.count();
    }
    dest.append(cached_prefix_.data(), cached_prefix_.data() + cached_prefix_bytes_);
    auto micros = static_cast<std::uint32_t>((since_epoch - second).count());
    char digits[6];
    for (int i = 5; i >= 0; --i) {
        digits[i] = static_cast<char>('0' + micros % 10);
        micros /= 10;
    }
    dest.append(digits, digits + 6);
    dest.push_back('Z');
    dest.push_back(' ');
    dest.append(msg.logger_name.begin(), msg.logger_name.end());
    dest.push_back(' ');
    const spdlog::string_view_t level = spdlog::level::to_string_view(msg.level);
    dest.append(level.begin(), level.end());
    dest.push_back(' ');
    dest.append(msg.payload.begin(), msg.payload.end());
    dest.push_back('\n');
}

std::unique_ptr<spdlog::formatter> log_line_formatter::clone() const {
    return std::make_unique<log_line_formatter>();
}

} // namespace herd::server
