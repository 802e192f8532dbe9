#include "protocol/reply.hpp"

#include "common/byte_words.hpp"

namespace herd::protocol {

std::string make_at_line(std::string_view member, geo::nanoseconds arrival, const iamat_command& iamat) {
    std::string line;
    line.reserve(3 + member.size() + 24 + iamat.client_id.size() + iamat.location.size() +
                 iamat.client_time.size() + 4);
    line += "AT ";
    line += member;
    line += ' ';
    geo::append_signed_seconds(line, arrival - iamat.client_time_ns);
    line += ' ';
    line += iamat.client_id;
    line += ' ';
    line += iamat.location;
    line += ' ';
    line += iamat.client_time;
    return line;
}

std::string_view at_line_field(std::string_view at_line, std::size_t index) {
    // Spaces found eight bytes a step: a neighbour looks up every update's client ID this way.
    std::size_t start = 0;                       // of field `index`, once `index` spaces are seen
    std::size_t end = std::string_view::npos;    // the space after it, if any
    std::size_t spaces = 0;
    byte_words::for_each_equal(at_line, ' ', [&](std::size_t space) {
        if (spaces++ < index) {
            start = space + 1;
            return true;
        }
        end = space;
        return false;
    });
    if (spaces < index) {
        return {};
    }
    return at_line.substr(start, end == std::string_view::npos ? end : end - start);
}

namespace {
// Field `index` of `line` if it is an AT line, else empty.
std::string_view field_if_at_line(std::string_view line, std::size_t index) {
    return line.starts_with("AT ") ? at_line_field(line, index) : std::string_view{};
}
} // namespace

std::string_view at_line_origin(std::string_view at_line) { return field_if_at_line(at_line, at_origin_field); }

std::string_view at_line_client_id(std::string_view at_line) {
    return field_if_at_line(at_line, at_client_id_field);
}

void append_invalid_reply(std::string& out, std::string_view trimmed_line) {
    out += "? ";
    out += trimmed_line;
    out += '\n';
}

void append_iamat_reply(std::string& out, std::string_view at_line) {
    out += at_line;
    out += '\n';
}

void append_whatsat_reply(std::string& out, std::string_view at_line, std::string_view json) {
    out += at_line;
    out += '\n';
    while (!json.empty() && json.back() == '\n') {
        json.remove_suffix(1);
    }
    while (!json.empty() && json.front() == '\n') {
        json.remove_prefix(1);
    }
    bool after_newline = false;
    for (const char c : json) {
        if (c == '\n' && after_newline) {
            continue;
        }
        after_newline = c == '\n';
        out += c;
    }
    out += "\n\n";
}

reply_framing framing_of(std::string_view line) {
    const command parsed = parse_command(line);
    if (std::holds_alternative<blank_line>(parsed)) {
        return reply_framing::none;
    }
    return std::holds_alternative<whatsat_command>(parsed) ? reply_framing::whatsat : reply_framing::line;
}

std::size_t reply_length(reply_framing framing, std::string_view in, std::size_t& scan) {
    const bool framed_by_blank_line = framing == reply_framing::whatsat && !in.starts_with("?");
    const std::string_view end = framed_by_blank_line ? "\n\n" : "\n";
    const auto at = in.find(end, scan);
    if (at == std::string_view::npos) {
        scan = in.size() < end.size() ? 0 : in.size() - (end.size() - 1);
        return 0;
    }
    scan = 0;
    return at + end.size();
}

} // namespace herd::protocol
