#pragma once

#include <functional>
#include <new>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "geo/timestamp.hpp"
#include "places/places_backend.hpp"
#include "store/location_store.hpp"

namespace herd::server {

// Answers client lines: the protocol's rules, between the parser, the store and the
// places backend. Knows nothing of sockets.
class request_handler {
public:
    // Called with the AT line of each record an IAMAT added to the store (to flood it).
    using accepted_hook = std::function<void(std::string_view at_line)>;
    // Called when the store could not keep an IAMAT's record (it was full, or memory ran
    // out), with the client's ID; the IAMAT is answered `?`.
    using refused_hook = std::function<void(std::string_view client_id, const std::bad_alloc& why)>;

    request_handler(std::string member_name, store::location_store& store, places::places_backend& places,
                    accepted_hook on_accepted = {}, refused_hook on_refused = {});

    // Appends to `out` the reply to one line (without its LF) that arrived at `arrival`;
    // appends nothing for a blank line. `line` must stay valid until the call completes.
    // Returns true when the reply waited for the places backend (one that does not answer at
    // once): the replies ready are then worth writing before the next line is answered.
    boost::asio::awaitable<bool> handle(std::string_view line, geo::nanoseconds arrival, std::string& out);

    const std::string& member_name() const { return member_name_; }

private:
    std::string member_name_;
    store::location_store& store_;
    places::places_backend& places_;
    accepted_hook on_accepted_;
    refused_hook on_refused_;
};

} // namespace herd::server
