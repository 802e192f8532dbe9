#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace herd::protocol {

// Splits a byte stream into LF-terminated lines, incrementally and without I/O.
// Bytes are appended with feed(); complete lines are taken with next().
class line_splitter {
public:
    enum class status {
        line,       // `out` holds one line, without its LF
        need_more,  // no complete line buffered yet
        too_long,   // the current line exceeds the limit; the stream should be closed
    };

    // `max_line_bytes` bounds one line's length, its LF not counted.
    explicit line_splitter(std::size_t max_line_bytes);

    // Appends received bytes.
    void feed(std::string_view bytes);

    // Takes the next complete line. `out` stays valid until the next feed() or finish().
    // On too_long, `out` holds the first max_line_bytes bytes of the offending line.
    status next(std::string_view& out);

    // At end of stream: takes the unterminated last line. Returns need_more when no
    // bytes remain, too_long past the limit, as next() does.
    status finish(std::string_view& out);

    // Bytes buffered but not yet returned as lines.
    std::size_t pending() const { return buffer_.size() - start_; }

    // Removes and returns the bytes not yet returned as lines (to hand a stream over).
    std::string take_rest();

    // When the storage has grown past `keep_bytes` and past twice the bytes pending (an
    // unfinished line, or none), moves those to storage of their own size and frees the rest,
    // so a connection that once received a burst does not hold it while idle, even one that
    // always leaves a line unfinished. Lines returned before are no longer valid.
    void release_excess(std::size_t keep_bytes);

    // Bytes of storage held, for memory accounting.
    std::size_t capacity_bytes() const { return buffer_.capacity(); }

private:
    std::size_t max_line_bytes_;
    std::string buffer_;
    std::size_t start_ = 0;   // first byte not yet returned
    std::size_t scanned_ = 0; // bytes from start_ already known to hold no LF
};

} // namespace herd::protocol
