// libFuzzer harness for the client side: bytes -> lines -> commands -> replies.
// Invariant checked beyond "no crash": every accepted IAMAT yields an AT line that the
// peer decoder accepts with the same client, time and position, byte for byte.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "geo/coordinates.hpp"
#include "herd/peer_message.hpp"
#include "protocol/command.hpp"
#include "protocol/line_splitter.hpp"
#include "protocol/reply.hpp"
#include "store/kept_record.hpp"

namespace {

void check(bool condition) {
    if (!condition) {
        __builtin_trap();
    }
}

void handle(std::string_view line) {
    const auto command = herd::protocol::parse_command(line);
    std::string out;
    if (const auto* iamat = std::get_if<herd::protocol::iamat_command>(&command)) {
        const std::string at_line = herd::protocol::make_at_line("Fuzz", 1'700'000'000'000'000'000, *iamat);
        const auto update = herd::peer::parse_at_line(at_line);
        check(update.has_value());
        check(update->client_id == iamat->client_id);
        check(update->record.at_line == at_line);
        check(update->record.client_time_ns == iamat->client_time_ns);
        std::vector<char> block(herd::store::kept_record::block_bytes(update->record));
        herd::store::kept_record::write(block.data(), update->record, update->client_id);
        const herd::store::kept_record kept(block.data());
        const auto position = herd::geo::parse_iso6709(iamat->location); // checked, so it parses
        check(position.has_value());
        check(kept.position().latitude == position->latitude);
        check(kept.position().longitude == position->longitude);
        herd::protocol::append_iamat_reply(out, at_line);
    } else if (const auto* invalid = std::get_if<herd::protocol::invalid_command>(&command)) {
        herd::protocol::append_invalid_reply(out, invalid->trimmed);
        check(out.size() == invalid->trimmed.size() + 3);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    // The first byte picks how the stream is cut into reads, as a network would.
    const std::size_t chunk = 1 + data[0] % 64;
    const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    herd::protocol::line_splitter splitter(512);
    for (std::size_t at = 0; at < input.size(); at += chunk) {
        splitter.feed(input.substr(at, chunk));
        std::string_view line;
        herd::protocol::line_splitter::status status;
        while ((status = splitter.next(line)) == herd::protocol::line_splitter::status::line) {
            check(line.find('\n') == std::string_view::npos);
            handle(line);
        }
        if (status == herd::protocol::line_splitter::status::too_long) {
            check(line.size() == 512);
            return 0;
        }
    }
    std::string_view last;
    if (splitter.finish(last) == herd::protocol::line_splitter::status::line) {
        handle(last);
    }
    return 0;
}
