#pragma once

#include <bitset>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/logger.h>

#include "herd/config.hpp"
#include "protocol/line_splitter.hpp"
#include "store/location_store.hpp"

namespace herd::peer {

class peer_link;

// What a link reports to whoever owns it.
class link_events {
public:
    // A valid update arrived from `from`'s neighbour (not called for a line that is the record
    // the store keeps, byte for byte: the link drops those); `client` is the key of its client
    // ID. Both view the link's read buffer: valid only during the call (copy what must outlive
    // it).
    virtual void on_update(peer_link& from, store::record_ref record, const store::client_key& client) = 0;

protected:
    ~link_events() = default;
};

// One established, handshaken link to a neighbour. Sends queued updates in batches (one
// write per batch); catches the neighbour up by exchanging bucket digests and sending the
// records of the buckets that differ; keeps an idle link alive with PING and declares it
// dead when the neighbour falls silent, or its kernel stops acknowledging what is written to
// it (its PINGs alone do not keep up a link it does not read).
class peer_link : public std::enable_shared_from_this<peer_link> {
public:
    // `pending_input` holds bytes already read after the handshake.
    peer_link(boost::asio::ip::tcp::socket socket, std::string neighbour, std::string pending_input,
              const store::location_store& store, link_events& events, const config::limits_config& limits,
              spdlog::logger& log);

    // Runs the link until it fails or close() is called; returns why it ended.
    boost::asio::awaitable<std::string> run();

    // Queues one record for the neighbour. When the queue holds more than
    // limits.peer_queue_bytes beside its longest record, it closes the link instead: the
    // neighbour catches up when it links again.
    void send(std::string_view at_line);

    // Ends the link. The first reason given is the one run() returns.
    void close(const std::string& reason);

    const std::string& neighbour() const { return neighbour_; }

private:
    boost::asio::awaitable<void> write_loop();
    boost::asio::awaitable<void> keepalive_loop();
    void take_lines();
    // Acts on one received line; `client` is the key of protocol::at_line_client_id(line) (an
    // empty ID when the line is no update).
    void handle(std::string_view line, const store::client_key& client);
    // Logs an update heard (at debug: the bulk of a busy member's log).
    void log_update(std::string_view line);
    // Appends the next batch of catch-up records (catch_up_batch_bytes at most) to queue_,
    // after whatever waits there: each write carries one, so a link that floods without a
    // pause still catches its neighbour up.
    void fill_catch_up();
    // Frees the send buffers' memory past idle_buffer_bytes when they are empty.
    void release_idle_buffers();
    void compare_digests(std::string_view hex);
    // At each keepalive wake-up: true when a write is in flight and the neighbour's kernel has
    // acknowledged nothing more of what was written for limits.peer_timeout, counted from the
    // first look during this write (false when the kernel cannot say). A write can wait long
    // for a slow reader, whose kernel makes room a third of a send buffer at a time;
    // acknowledgements stop only when the neighbour does not read.
    bool write_stalled(std::chrono::steady_clock::time_point now);
    void wake_writer() { wake_.cancel(); }

    boost::asio::ip::tcp::socket socket_;
    std::string neighbour_;
    const store::location_store& store_;
    link_events& events_;
    const config::limits_config& limits_;
    spdlog::logger& log_;
    protocol::line_splitter splitter_;
    std::string queue_;                                                 // bytes waiting for the next write
    std::string writing_;                                               // bytes of the write in flight
    std::size_t longest_queued_ = 0; // the longest record in queue_, with its LF
    bool digest_received_ = false; // the neighbour's DIGEST, its first line, came: no second may
    std::bitset<store::location_store::bucket_count> catch_up_buckets_; // whose digests differed
    std::size_t catch_up_slot_ = 0; // the next store slot to send, if in such a bucket
    boost::asio::steady_timer wake_;
    boost::asio::steady_timer keepalive_;
    std::chrono::steady_clock::time_point last_sent_;
    // For write_stalled: the neighbour's acknowledged byte count at the last look during the
    // write in flight (none before the first), and when the looks last saw it change.
    std::optional<std::uint64_t> acknowledged_;
    std::chrono::steady_clock::time_point acknowledged_moved_{};
    std::chrono::steady_clock::time_point last_received_;
    std::string close_reason_;
    bool closed_ = false;
};

} // namespace herd::peer
