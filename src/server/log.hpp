#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

namespace herd::server {

// The member's logger: asynchronous (a full queue drops the oldest entries rather than
// block the event loop), writing `<log_dir>/<name>.log` with timestamps, warnings and
// errors also to stderr. Creates log_dir. Throws std::runtime_error when it cannot.
std::shared_ptr<spdlog::logger> make_member_logger(const std::string& log_dir, const std::string& name);

// Printable ASCII as is; backslash, control and non-ASCII bytes as `\\`, `\n`, `\r`,
// `\t` or `\xNN`, so one input line is one log line and a log never holds raw bytes.
std::string escape_for_log(std::string_view bytes);

} // namespace herd::server
