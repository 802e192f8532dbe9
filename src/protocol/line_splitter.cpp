#include "protocol/line_splitter.hpp"

#include <algorithm>

namespace herd::protocol {

line_splitter::line_splitter(std::size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

void line_splitter::feed(std::string_view bytes) {
    // Drop what was already returned before growing, so the buffer stays near one line.
    if (start_ > 0) {
        buffer_.erase(0, start_);
        start_ = 0;
    }
    buffer_.append(bytes);
}

line_splitter::status line_splitter::next(std::string_view& out) {
    const std::string_view rest = std::string_view(buffer_).substr(start_);
    const std::size_t lf = rest.find('\n', scanned_);
    if (lf == std::string_view::npos) {
        scanned_ = rest.size();
        if (rest.size() > max_line_bytes_) {
            out = rest.substr(0, max_line_bytes_);
            return status::too_long;
        }
        return status::need_more;
    }
    scanned_ = 0;
    if (lf > max_line_bytes_) {
        out = rest.substr(0, max_line_bytes_);
        return status::too_long;
    }
    out = rest.substr(0, lf);
    start_ += lf + 1;
    return status::line;
}

std::string line_splitter::take_rest() {
    std::string rest = buffer_.substr(start_);
    buffer_.clear();
    start_ = 0;
    scanned_ = 0;
    return rest;
}

void line_splitter::release_excess(std::size_t keep_bytes) {
    if (buffer_.capacity() > std::max(keep_bytes, 2 * pending())) {
        std::string rest(buffer_, start_); // scanned_ counts from start_: still true of `rest`
        buffer_.swap(rest);
        start_ = 0;
    }
}

line_splitter::status line_splitter::finish(std::string_view& out) {
    const std::string_view rest = std::string_view(buffer_).substr(start_);
    start_ = buffer_.size();
    scanned_ = 0;
    if (rest.empty()) {
        return status::need_more;
    }
    if (rest.size() > max_line_bytes_) {
        out = rest.substr(0, max_line_bytes_);
        return status::too_long;
    }
    out = rest;
    return status::line;
}

} // namespace herd::protocol
