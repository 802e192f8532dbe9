#pragma once

#include <string>
#include <string_view>

#include "geo/timestamp.hpp"
#include "protocol/command.hpp"

namespace herd::protocol {

// The AT line (no line ending) for an IAMAT that `member` received at `arrival`:
// `AT <member> <arrival - client time> <id> <location> <time>`, fields copied byte for byte.
std::string make_at_line(std::string_view member, geo::nanoseconds arrival, const iamat_command& iamat);

// Field `index` (0 is `AT`) of an AT line, whose fields are separated by single spaces;
// empty when there is no such field.
std::string_view at_line_field(std::string_view at_line, std::size_t index);

// The fields of an AT line by index.
inline constexpr std::size_t at_origin_field = 1;
inline constexpr std::size_t at_client_id_field = 3;
inline constexpr std::size_t at_location_field = 4;

// The member name of an AT line (its second field); empty when the line is not an AT line.
std::string_view at_line_origin(std::string_view at_line);

// The client ID of an AT line (its fourth field), found without checking the other fields;
// empty when the line is not an AT line or has no such field. (A peer link looks a received
// update's client up with it before it parses the line.)
std::string_view at_line_client_id(std::string_view at_line);

// Appends `? <trimmed line>` and LF.
void append_invalid_reply(std::string& out, std::string_view trimmed_line);

// Appends the IAMAT reply: the AT line and LF.
void append_iamat_reply(std::string& out, std::string_view at_line);

// Appends the WHATSAT reply: the kept AT line, LF, the JSON with every run of newlines
// collapsed to one and no trailing newline, then two LFs.
void append_whatsat_reply(std::string& out, std::string_view at_line, std::string_view json);

// How the reply to a line is framed, known from the line alone: a blank line gets none, a
// WHATSAT's reply ends with two LFs unless it is a `?` line, and any other reply is one line.
enum class reply_framing { none, line, whatsat };
reply_framing framing_of(std::string_view line);

// The length of the first complete reply in `in`, framed as `framing` (line or whatsat), or 0
// when it is not all there yet. `scan` is where the search for its end resumes (so a long
// reply arriving in pieces is scanned once); it is 0 again once a reply is found.
std::size_t reply_length(reply_framing framing, std::string_view in, std::size_t& scan);

} // namespace herd::protocol
