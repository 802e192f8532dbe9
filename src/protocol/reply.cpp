#include "protocol/reply.hpp"

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
    // A plain loop: fields are short, and a memchr call per field costs more than the scan.
    std::size_t start = 0;
    for (std::size_t i = 0; i < at_line.size() && index > 0; ++i) {
        if (at_line[i] == ' ') {
            start = i + 1;
            --index;
        }
    }
    if (index > 0) {
        return {};
    }
    std::size_t end = start;
    while (end < at_line.size() && at_line[end] != ' ') {
        ++end;
    }
    return at_line.substr(start, end - start);
}

std::string_view at_line_origin(std::string_view at_line) {
    return at_line.starts_with("AT ") ? at_line_field(at_line, at_origin_field) : std::string_view{};
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

} // namespace herd::protocol
