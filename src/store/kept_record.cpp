#include "store/kept_record.hpp"

#include <cstring>

#include "protocol/reply.hpp"

namespace herd::store {

kept_record::kept_record(const location_record& record)
    : block_(new char[sizeof(std::uint32_t) + record.at_line.size()]), client_time_ns_(record.client_time_ns) {
    const auto length = static_cast<std::uint32_t>(record.at_line.size());
    std::memcpy(block_.get(), &length, sizeof length);
    std::memcpy(block_.get() + sizeof length, record.at_line.data(), length);
}

std::string_view kept_record::at_line() const {
    std::uint32_t length = 0;
    std::memcpy(&length, block_.get(), sizeof length);
    return {block_.get() + sizeof length, length};
}

std::string_view kept_record::client_id() const {
    return protocol::at_line_field(at_line(), protocol::at_client_id_field);
}

geo::coordinates kept_record::position() const {
    return geo::parse_iso6709(protocol::at_line_field(at_line(), protocol::at_location_field))
        .value_or(geo::coordinates{});
}

} // namespace herd::store
