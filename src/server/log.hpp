#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <spdlog/logger.h>

namespace herd::server {

// The member's logger, writing `<log_dir>/<name>.log` with timestamps, at `level` and above
// (spdlog's names: debug, info, warn, error, off); warnings and errors also to stderr. Both
// are written in batches by threads of their own (batched_file_sink): logging an entry costs
// the event loop its formatting, never a write, so a slow disk or a stderr nobody reads does
// not stall it. Creates log_dir. Throws std::runtime_error when it cannot.
std::shared_ptr<spdlog::logger> make_member_logger(const std::string& log_dir, const std::string& name,
                                                   const std::string& level = "info");

// Bytes to log: printable ASCII as is; backslash, control and non-ASCII bytes as `\\`,
// `\n`, `\r`, `\t` or `\xNN`, so one input line is one log line and a log never holds
// raw bytes. Formats straight into the log's buffer (no copy); a disabled level costs nothing.
struct escaped {
    std::string_view bytes;
};

// The same escaping as a string.
std::string escape_for_log(std::string_view bytes);

} // namespace herd::server

template <>
struct fmt::formatter<herd::server::escaped> {
    // The two-character escape of `byte`, or nullptr when it has none (then it is `\xNN`).
    static constexpr const char* named_escape(unsigned char byte) {
        switch (byte) {
        case '\\': return "\\\\";
        case '\n': return "\\n";
        case '\r': return "\\r";
        case '\t': return "\\t";
        default: return nullptr;
        }
    }

    constexpr auto parse(format_parse_context& context) { return context.begin(); }

    template <typename Context>
    auto format(const herd::server::escaped& e, Context& context) const {
        constexpr char hex[] = "0123456789abcdef";
        auto out = context.out();
        std::size_t clean = 0; // start of the run of bytes that go out as they are
        const std::string_view bytes = e.bytes;
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            const auto byte = static_cast<unsigned char>(bytes[i]);
            if (byte >= 0x20 && byte < 0x7f && byte != '\\') {
                continue;
            }
            context.advance_to(out);
            out = plain_.format(bytes.substr(clean, i - clean), context);
            clean = i + 1;
            if (const char* named = named_escape(byte)) {
                *out++ = named[0];
                *out++ = named[1];
            } else {
                *out++ = '\\';
                *out++ = 'x';
                *out++ = hex[byte >> 4];
                *out++ = hex[byte & 0xf];
            }
        }
        context.advance_to(out);
        return plain_.format(bytes.substr(clean), context);
    }

private:
    // Appends a run whole (std::copy into fmt's appender goes byte by byte).
    fmt::formatter<std::string_view> plain_;
};
