#pragma once

#include <cstddef>
#include <string_view>

#include "geo/coordinates.hpp"
#include "store/location_record.hpp"

namespace herd::store {

// A record as the store keeps it, compactly, in a block of its own: a 6-byte header (the
// line's length, where in it the client ID lies) and the AT line. The client time and the
// position are read back out of the line, which was checked before it was kept. This class
// is a view of such a block: cheap to copy, valid while the block is.
class kept_record {
public:
    // The bytes a block needs for `record`.
    static std::size_t block_bytes(record_ref record) { return header_bytes + record.at_line.size(); }
    // Writes `record` into `block` (block_bytes(record) of them). `client_id` is
    // record.client_id(), a view into record.at_line.
    static void write(char* block, record_ref record, std::string_view client_id);

    explicit kept_record(const char* block) : block_(block) {}

    std::string_view at_line() const;
    // The client's time, from the line's last field.
    geo::nanoseconds client_time_ns() const;
    record_ref ref() const { return {client_time_ns(), at_line()}; }
    std::string_view origin() const { return ref().origin(); }
    std::string_view client_id() const;
    geo::coordinates position() const;
    // The bytes of this record's block.
    std::size_t block_bytes() const { return header_bytes + at_line().size(); }

private:
    static constexpr std::size_t header_bytes = 6;
    const char* block_;
};

} // namespace herd::store
