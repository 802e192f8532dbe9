#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "geo/coordinates.hpp"
#include "store/location_record.hpp"

namespace herd::store {

// A record as the store keeps it, compactly: one heap block holding the AT line and where
// in it the client ID is (the position is read back out of it), and the client's time.
// 16 bytes plus the line and a 6-byte header.
class kept_record {
public:
    // `client_id` is record.client_id(), a view into record.at_line.
    kept_record(const location_record& record, std::string_view client_id);

    std::string_view at_line() const;
    geo::nanoseconds client_time_ns() const { return client_time_ns_; }
    record_ref ref() const { return {client_time_ns_, at_line()}; }
    std::string_view origin() const { return ref().origin(); }
    std::string_view client_id() const;
    // The reported position. The line was checked before it was kept, so this never fails.
    geo::coordinates position() const;

private:
    std::unique_ptr<char[]> block_; // a 6-byte header (see kept_record.cpp), then the line's bytes
    geo::nanoseconds client_time_ns_;
};

} // namespace herd::store
