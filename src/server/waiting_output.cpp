#include "server/waiting_output.hpp"

#include <algorithm>
#include <utility>

namespace herd::server {

void waiting_output::hold(std::uint64_t id, std::size_t bytes, drop_fn drop) {
    holdings_.push_back(holding{id, bytes, std::move(drop)});
    held_bytes_ += bytes;
    while (held_bytes_ > max_bytes_) {
        // The largest; of equals, the oldest (the first), which has waited longest: a client
        // that reads nothing waits until it is dropped, one that reads waits briefly.
        auto largest = holdings_.begin();
        for (auto h = holdings_.begin(); h != holdings_.end(); ++h) {
            if (h->bytes > largest->bytes) {
                largest = h;
            }
        }
        holding dropped = std::move(*largest);
        holdings_.erase(largest);
        held_bytes_ -= dropped.bytes;
        dropped.drop(dropped.bytes);
    }
}

void waiting_output::release(std::uint64_t id) {
    const auto found = std::find_if(holdings_.begin(), holdings_.end(), [id](const holding& h) { return h.id == id; });
    if (found != holdings_.end()) {
        held_bytes_ -= found->bytes;
        holdings_.erase(found);
    }
}

} // namespace herd::server
