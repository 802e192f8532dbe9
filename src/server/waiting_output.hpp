#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace herd::server {

// The replies that clients have not taken, all connections together, bounded by
// limits.waiting_output_mib. A session whose write must wait for its client holds here the
// room of its reply buffer and of its unanswered input until the write ends. When the
// holdings pass the bound, the largest are dropped first (of equals, the one that has waited
// longest) until the rest fit: a crowd of clients that read nothing cannot fill the member's
// memory with replies, and a slow client with fewer replies waiting keeps its connection.
// (What the kernel buffers for each socket is bounded by the kernel, not here.)
class waiting_output {
public:
    // Closes the connection of a holding chosen to make room; called at most once, from
    // within a later hold(), with the bytes it held.
    using drop_fn = std::function<void(std::size_t held)>;

    explicit waiting_output(std::size_t max_bytes) : max_bytes_(max_bytes) {}

    // Session `id` now holds `bytes` while its write waits (one holding per session: call
    // release() first). May drop holdings, this one included.
    void hold(std::uint64_t id, std::size_t bytes, drop_fn drop);

    // Session `id`'s write has ended. Nothing happens when it holds nothing (it was dropped).
    void release(std::uint64_t id);

    std::size_t held_bytes() const { return held_bytes_; }
    std::size_t max_bytes() const { return max_bytes_; }

private:
    struct holding {
        std::uint64_t id;
        std::size_t bytes;
        drop_fn drop;
    };

    std::size_t max_bytes_;
    std::size_t held_bytes_ = 0;
    std::vector<holding> holdings_; // the sessions whose write waits, oldest first (scanned: up to max_connections)
};

} // namespace herd::server
