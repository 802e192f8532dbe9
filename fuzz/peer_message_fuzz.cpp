// libFuzzer harness for the peer-link decoder: any line, no crash; the client ID a link looks
// up before parsing lies inside the line; an accepted update views the line byte for byte and
// names a non-empty origin and that same client ID, its position parses, the store's compact
// form of it gives back the same line, client and time, and once kept it is a copy the store
// holds.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "geo/coordinates.hpp"
#include "herd/peer_message.hpp"
#include "protocol/reply.hpp"
#include "store/kept_record.hpp"
#include "store/location_store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    // A link looks the client up before parsing: a view inside the line, or empty.
    const std::string_view client_id = herd::protocol::at_line_client_id(line);
    if (!client_id.empty() &&
        (client_id.data() < line.data() || client_id.data() + client_id.size() > line.data() + size)) {
        __builtin_trap();
    }
    const auto message = herd::peer::parse_message(line);
    if (const auto* update = std::get_if<herd::peer::update>(&message)) {
        if (update->record.at_line.data() != line.data() || update->record.at_line != line ||
            update->record.origin().empty() || update->client_id.empty() ||
            update->client_id.data() != update->record.client_id().data() ||
            update->client_id != update->record.client_id() || client_id.data() != update->client_id.data() ||
            client_id != update->client_id) {
            __builtin_trap();
        }
        std::vector<char> block(herd::store::kept_record::block_bytes(update->record));
        herd::store::kept_record::write(block.data(), update->record, update->client_id);
        const herd::store::kept_record kept(block.data());
        // The position was only checked (is_iso6709), never converted: it must parse.
        const auto parsed =
            herd::geo::parse_iso6709(herd::protocol::at_line_field(line, herd::protocol::at_location_field));
        if (!parsed || kept.at_line() != line || kept.client_id() != update->record.client_id() ||
            kept.client_time_ns() != update->record.client_time_ns) {
            __builtin_trap();
        }
        // Once kept, the same line is a copy the link drops unparsed: merging it again would
        // change nothing.
        herd::store::location_store store;
        const herd::store::client_key client = herd::store::location_store::key_of(client_id);
        if (!store.merge(update->record, client) || !store.holds(line, client) || store.merge(update->record, client)) {
            __builtin_trap();
        }
    }
    if (const auto* hello = std::get_if<herd::peer::hello>(&message)) {
        if (hello->from.empty() || hello->to.empty()) {
            __builtin_trap();
        }
    }
    return 0;
}
