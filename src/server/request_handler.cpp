#include "server/request_handler.hpp"

#include <variant>

#include "places/google_format.hpp"
#include "places/json_format.hpp"
#include "protocol/command.hpp"
#include "protocol/reply.hpp"

namespace herd::server {

request_handler::request_handler(std::string member_name, store::location_store& store,
                                 places::places_backend& places, accepted_hook on_accepted, refused_hook on_refused)
    : member_name_(std::move(member_name)), store_(store), places_(places), on_accepted_(std::move(on_accepted)),
      on_refused_(std::move(on_refused)) {}

boost::asio::awaitable<bool> request_handler::handle(std::string_view line, geo::nanoseconds arrival,
                                                     std::string& out) {
    const protocol::command command = protocol::parse_command(line);
    if (const auto* iamat = std::get_if<protocol::iamat_command>(&command)) {
        // The client's index entry is fetched while the AT line is laid out.
        const store::client_key hashed = store::location_store::key_of(iamat->client_id);
        store_.prefetch(hashed);
        const store::location_record record{protocol::make_at_line(member_name_, arrival, *iamat),
                                            iamat->client_time_ns};
        // The same ID, as the store wants it: within the AT line.
        const store::client_key client{record.client_id(), hashed.hash, hashed.index_hash};
        bool changed = false;
        try {
            changed = store_.merge(record, client, store::report_from::client);
        } catch (const std::bad_alloc& why) { // changed nothing: a `?`, as for a line it cannot take
            protocol::append_invalid_reply(out, protocol::trim(line));
            if (on_refused_) {
                on_refused_(iamat->client_id, why);
            }
            co_return false;
        }
        protocol::append_iamat_reply(out, record.at_line);
        if (changed && on_accepted_) {
            on_accepted_(record.at_line);
        }
    } else if (const auto* whatsat = std::get_if<protocol::whatsat_command>(&command)) {
        const std::optional<store::kept_record> kept = store_.find(whatsat->client_id);
        if (!kept) {
            protocol::append_invalid_reply(out, protocol::trim(line));
            co_return false;
        }
        // Copied: the store may change while the backend is asked.
        const std::string at_line(kept->at_line());
        boost::json::object places;
        try {
            places = co_await places_.nearby({kept->position(), whatsat->radius_km, whatsat->bound});
        } catch (const std::exception& error) { // the backend's own failure (out of memory, say)
            places = places::failure_reply("UNKNOWN_ERROR", error.what()); // the reply keeps its shape
        }
        protocol::append_whatsat_reply(out, at_line, places::to_google_json(places));
        co_return !places_.answers_at_once();
    } else if (const auto* invalid = std::get_if<protocol::invalid_command>(&command)) {
        protocol::append_invalid_reply(out, invalid->trimmed);
    }
    co_return false;
}

} // namespace herd::server
