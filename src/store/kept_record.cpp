#include "store/kept_record.hpp"

#include <cassert>
#include <cstdint>
#include <cstring>

#include "protocol/reply.hpp"

namespace herd::store {
namespace {

// The header: the line's length (4 bytes), where the client ID starts in the line (1 byte:
// AT, an origin of at most 64 bytes and a difference come first), the ID's length (1 byte:
// at most protocol::max_client_id_bytes, 255). Then the line.
constexpr std::size_t id_offset_at = 4;
constexpr std::size_t id_bytes_at = 5;

} // namespace

void kept_record::write(char* block, record_ref record, std::string_view client_id) {
    const auto offset = static_cast<std::size_t>(client_id.data() - record.at_line.data());
    assert(offset <= 255 && client_id.size() <= 255 && offset + client_id.size() <= record.at_line.size());
    const auto line_bytes = static_cast<std::uint32_t>(record.at_line.size());
    std::memcpy(block, &line_bytes, sizeof line_bytes);
    block[id_offset_at] = static_cast<char>(offset);
    block[id_bytes_at] = static_cast<char>(client_id.size());
    std::memcpy(block + header_bytes, record.at_line.data(), record.at_line.size());
}

std::string_view kept_record::at_line() const {
    std::uint32_t line_bytes = 0;
    std::memcpy(&line_bytes, block_, sizeof line_bytes);
    return {block_ + header_bytes, line_bytes};
}

std::string_view kept_record::client_id() const {
    const auto byte = [this](std::size_t at) {
        return static_cast<std::size_t>(static_cast<unsigned char>(block_[at]));
    };
    return {block_ + header_bytes + byte(id_offset_at), byte(id_bytes_at)};
}

geo::nanoseconds kept_record::client_time_ns() const {
    const std::string_view line = at_line();
    return geo::parse_posix_time(line.substr(line.rfind(' ') + 1)).value_or(0);
}

geo::coordinates kept_record::position() const {
    return geo::parse_iso6709(protocol::at_line_field(at_line(), protocol::at_location_field))
        .value_or(geo::coordinates{});
}

} // namespace herd::store
