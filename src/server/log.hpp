#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <spdlog/logger.h>

#include "common/byte_words.hpp"
#include "common/hex.hpp"
#include "server/log_line_formatter.hpp"

namespace herd::server {

class batched_file_sink;

// A member's logger (make_member_logger): spdlog's, plus a direct path into its log file for
// client traffic.
class member_logger final : public spdlog::logger {
public:
    // Logs to `file` and `console`, every entry laid out by log_line_formatter.
    member_logger(std::string name, std::shared_ptr<batched_file_sink> file,
                  std::shared_ptr<batched_file_sink> console);

    // Logs `client <client> <direction> <bytes, escaped>` at info: a line a client sent (`<`)
    // or a reply (`>`). These are the two entries every command costs, so they skip spdlog's
    // message and formatter and are laid out straight into the file's batch, always by
    // log_line_formatter (set_pattern and set_formatter change the other entries only). Written
    // when both the logger's level and the file sink's allow info. (The console takes warnings
    // and errors only.)
    void traffic(std::uint64_t client, char direction, std::string_view bytes);

    // Opens the log file's path again, for rotation that renames it (batched_file_sink::reopen).
    void reopen_file();

private:
    std::shared_ptr<batched_file_sink> file_;
    log_line_formatter traffic_layout_; // used under the file's lock
};

// The member's logger, writing `<log_dir>/<name>.log` with timestamps, at `level` and above
// (spdlog's names: debug, info, warn, error, off); warnings and errors also to stderr. Both
// are written in batches by threads of their own (batched_file_sink): logging an entry costs
// the event loop its formatting, never a write, so a slow disk or a stderr nobody reads does
// not stall it. Creates log_dir. Throws std::runtime_error when it cannot.
std::shared_ptr<member_logger> make_member_logger(const std::string& log_dir, const std::string& name,
                                                  const std::string& level = "info");

// Whether the `count`th of a refusal that may keep coming (a full store, too many handshakes)
// is worth a warning: the 1st, 2nd, 4th, 8th..., each saying how many so far, so one that keeps
// coming does not flood the log, and costs only this test the other times.
constexpr bool warn_of_refusal(std::uint64_t count) { return std::has_single_bit(count); }

// After the store refused a record (location_store::merge threw: a full store, or memory run
// out), `refusals` of them so far: a warning that `what` and `from` (say "an update from ",
// "Alpha") for `client_id` was refused and why, at the 1st, 2nd, 4th, 8th... refusal, so a
// store that stays full does not flood the log (nor cost more than a test at each refusal).
void warn_refused_record(spdlog::logger& log, std::uint64_t refusals, std::string_view what, std::string_view from,
                         std::string_view client_id, const std::exception& why);

// The letter of `byte`'s two-character escape (`\\`, `\n`, `\r`, `\t`), or 0 when it has
// none (then it is written `\xNN`).
constexpr char named_escape(unsigned char byte) {
    switch (byte) {
    case '\\': return '\\';
    case '\n': return 'n';
    case '\r': return 'r';
    case '\t': return 't';
    default: return 0;
    }
}

namespace detail {
// True when `byte` goes into a log line as it is: printable ASCII (0x20-0x7e), not a backslash.
constexpr bool is_plain(unsigned char byte) { return byte >= 0x20 && byte < 0x7f && byte != '\\'; }

// is_plain for all eight bytes of `word` at once.
constexpr bool all_plain(std::uint64_t word) {
    return !byte_words::has_less(word, 0x20) && !byte_words::has_more(word, 0x7e) &&
           byte_words::bytes_equal(word, '\\') == 0;
}
} // namespace detail

// Calls `emit(std::string_view)` with the pieces of `bytes` escaped for a log line, in order:
// runs of printable ASCII as they are, and `\\`, `\n`, `\r`, `\t` or `\xNN` for each
// backslash, control or non-ASCII byte. So one input line is one log line and a log never
// holds raw bytes. Skips plain bytes eight at a time: two entries per client command pass here.
template <typename Emit>
void escape_pieces(std::string_view bytes, Emit&& emit) {
    std::size_t clean = 0; // start of the run of bytes that go out as they are
    for (std::size_t i = 0; i < bytes.size();) {
        // A word at a time: passed over whole when plain, else byte by byte (each word is tested
        // once, so text with many odd bytes costs no more than before).
        const std::size_t word_end = std::min(i + 8, bytes.size());
        if (word_end - i == 8 && detail::all_plain(byte_words::load(bytes.data() + i))) {
            i = word_end;
            continue;
        }
        for (; i < word_end; ++i) {
            const auto byte = static_cast<unsigned char>(bytes[i]);
            if (detail::is_plain(byte)) {
                continue;
            }
            if (i > clean) {
                emit(bytes.substr(clean, i - clean));
            }
            clean = i + 1;
            if (const char named = named_escape(byte); named != 0) {
                const char escape[] = {'\\', named};
                emit(std::string_view(escape, 2));
            } else {
                const char escape[] = {'\\', 'x', hex::digits[byte >> 4], hex::digits[byte & 0xf]};
                emit(std::string_view(escape, 4));
            }
        }
    }
    if (clean < bytes.size()) {
        emit(bytes.substr(clean));
    }
}

// Bytes to log, escaped as escape_pieces() says, formatted straight into the log's buffer
// (no copy); a disabled level costs nothing.
struct escaped {
    std::string_view bytes;
};

// Appends `bytes`, escaped, to `out`.
void append_escaped(std::string& out, std::string_view bytes);

// The same escaping as a string.
std::string escape_for_log(std::string_view bytes);

} // namespace herd::server

template <>
struct fmt::formatter<herd::server::escaped> {
    constexpr auto parse(format_parse_context& context) { return context.begin(); }

    template <typename Context>
    auto format(const herd::server::escaped& e, Context& context) const {
        auto out = context.out();
        herd::server::escape_pieces(e.bytes, [&](std::string_view piece) {
            context.advance_to(out);
            out = plain_.format(piece, context); // appended whole, not byte by byte
        });
        return out;
    }

private:
    fmt::formatter<std::string_view> plain_;
};
