#include "store/kept_record.hpp"

#include <cassert>
#include <cstring>

#include "protocol/reply.hpp"

namespace herd::store {
namespace {

constexpr std::size_t header_bytes = 6; // the header's fields, packed

} // namespace

kept_record::kept_record(const location_record& record, std::string_view client_id)
    : block_(new char[header_bytes + record.at_line.size()]), client_time_ns_(record.client_time_ns) {
    const auto offset = static_cast<std::size_t>(client_id.data() - record.at_line.data());
    assert(offset <= 255 && client_id.size() <= 255 && offset + client_id.size() <= record.at_line.size());
    const header h{static_cast<std::uint32_t>(record.at_line.size()), static_cast<std::uint8_t>(offset),
                   static_cast<std::uint8_t>(client_id.size())};
    std::memcpy(block_.get(), &h.line_bytes, 4);
    block_[4] = static_cast<char>(h.id_offset);
    block_[5] = static_cast<char>(h.id_bytes);
    std::memcpy(block_.get() + header_bytes, record.at_line.data(), record.at_line.size());
}

kept_record::header kept_record::read_header() const {
    header h{};
    std::memcpy(&h.line_bytes, block_.get(), 4);
    h.id_offset = static_cast<std::uint8_t>(block_[4]);
    h.id_bytes = static_cast<std::uint8_t>(block_[5]);
    return h;
}

std::string_view kept_record::at_line() const {
    return {block_.get() + header_bytes, read_header().line_bytes};
}

std::string_view kept_record::client_id() const {
    const header h = read_header();
    return {block_.get() + header_bytes + h.id_offset, h.id_bytes};
}

geo::coordinates kept_record::position() const {
    return geo::parse_iso6709(protocol::at_line_field(at_line(), protocol::at_location_field))
        .value_or(geo::coordinates{});
}

} // namespace herd::store
