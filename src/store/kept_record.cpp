#include "store/kept_record.hpp"

#include <cassert>
#include <cstring>

#include "protocol/reply.hpp"

namespace herd::store {
namespace {

// The block: the line's length (4 bytes, unaligned), where the client ID starts in the line
// (1 byte: AT, an origin of at most 64 bytes and a difference come first), the ID's length
// (1 byte: at most protocol::max_client_id_bytes, 255), then the line.
constexpr std::size_t id_offset_at = 4;
constexpr std::size_t id_bytes_at = 5;
constexpr std::size_t header_bytes = 6;

} // namespace

kept_record::kept_record(const location_record& record, std::string_view client_id)
    : block_(new char[header_bytes + record.at_line.size()]), client_time_ns_(record.client_time_ns) {
    const auto offset = static_cast<std::size_t>(client_id.data() - record.at_line.data());
    assert(offset <= 255 && client_id.size() <= 255 && offset + client_id.size() <= record.at_line.size());
    const auto line_bytes = static_cast<std::uint32_t>(record.at_line.size());
    std::memcpy(block_.get(), &line_bytes, sizeof line_bytes);
    block_[id_offset_at] = static_cast<char>(offset);
    block_[id_bytes_at] = static_cast<char>(client_id.size());
    std::memcpy(block_.get() + header_bytes, record.at_line.data(), record.at_line.size());
}

std::string_view kept_record::at_line() const {
    std::uint32_t line_bytes = 0;
    std::memcpy(&line_bytes, block_.get(), sizeof line_bytes);
    return {block_.get() + header_bytes, line_bytes};
}

std::string_view kept_record::client_id() const {
    const auto byte = [this](std::size_t at) {
        return static_cast<std::size_t>(static_cast<unsigned char>(block_[at]));
    };
    return {block_.get() + header_bytes + byte(id_offset_at), byte(id_bytes_at)};
}

geo::coordinates kept_record::position() const {
    return geo::parse_iso6709(protocol::at_line_field(at_line(), protocol::at_location_field))
        .value_or(geo::coordinates{});
}

} // namespace herd::store
