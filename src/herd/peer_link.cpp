#include "herd/peer_link.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <optional>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include "common/failure.hpp"
#include "herd/bytes_acknowledged.hpp"
#include "herd/peer_message.hpp"
#include "protocol/reply.hpp"
#include "server/log.hpp"

namespace herd::peer {
namespace {

namespace asio = boost::asio;
using steady = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t catch_up_batch_bytes = 64 * 1024;
// A burst can grow a link's send buffers to limits.peer_queue_bytes and one record, and a
// long line its input buffer. A link keeps no more than this of a send buffer once it is
// empty, nor of its input buffer once that is over twice what it holds (which it is cut to).
// (Below it, they are kept: a busy link would otherwise allocate them again and again.)
constexpr std::size_t idle_buffer_bytes = 1 << 20;
// The longest AT line any member may flood: an IAMAT as long as the largest client line limit
// a configuration allows, plus AT, an origin of at most 64 bytes and a 21-byte difference
// (whatever this member's own limit: a neighbour's may be larger). A DIGEST line is 4 KiB.
constexpr std::size_t max_peer_line_bytes = config::max_line_bytes_ceiling + 128;

} // namespace

peer_link::peer_link(asio::ip::tcp::socket socket, std::string neighbour, std::string pending_input,
                     const store::location_store& store, link_events& events, const config::limits_config& limits,
                     spdlog::logger& log)
    : socket_(std::move(socket)), neighbour_(std::move(neighbour)), store_(store), events_(events), limits_(limits),
      log_(log), splitter_(max_peer_line_bytes), wake_(socket_.get_executor()), keepalive_(socket_.get_executor()),
      last_sent_(steady::now()), last_received_(steady::now()) {
    splitter_.feed(pending_input);
    std::vector<std::uint64_t> digests(store::location_store::bucket_count);
    for (std::size_t b = 0; b < digests.size(); ++b) {
        digests[b] = store_.bucket_digest(b);
    }
    queue_ = format_digest(digests); // the first thing the neighbour hears
    longest_queued_ = queue_.size();  // a line the bound does not count, like a record
}

void peer_link::close(const std::string& reason) {
    if (closed_) {
        return;
    }
    closed_ = true;
    try {
        close_reason_ = reason;
    } catch (const std::bad_alloc&) { // a reason unsaid, not a close undone
        close_reason_.clear();
    }
    boost::system::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    wake_.cancel();
    keepalive_.cancel();
}

void peer_link::send(std::string_view at_line) {
    if (closed_) {
        return;
    }
    queue_ += at_line;
    queue_ += '\n';
    longest_queued_ = std::max(longest_queued_, at_line.size() + 1);
    // The bound is on a backlog, not on a record: one record longer than it (a client's longest
    // IAMAT may be) still goes out.
    if (queue_.size() - longest_queued_ > limits_.peer_queue_bytes) {
        close(fmt::format("send queue over {} bytes (neighbour too slow)", limits_.peer_queue_bytes));
        return;
    }
    wake_writer();
}

asio::awaitable<std::string> peer_link::run() {
    const auto self = shared_from_this();
    // Either loop failing (out of memory, say) ends the link, as a neighbour gone would: left
    // up without its writer or its keepalive, it would never be redialled.
    const auto end_link_on_failure = [self](std::exception_ptr failure) {
        if (failure) {
            self->close(failure_reason(failure));
        }
    };
    asio::co_spawn(socket_.get_executor(), write_loop(), end_link_on_failure);
    asio::co_spawn(socket_.get_executor(), keepalive_loop(), end_link_on_failure);
    take_lines();
    std::array<char, 16 * 1024> buffer; // NOLINT(cppcoreguidelines-pro-type-member-init)
    while (!closed_) {
        const auto [error, n] = co_await socket_.async_read_some(asio::buffer(buffer), use_tuple);
        if (error) {
            close(error == asio::error::eof ? "closed by neighbour" : error.message());
            break;
        }
        last_received_ = steady::now();
        splitter_.feed(std::string_view(buffer.data(), n));
        take_lines();
        splitter_.release_excess(idle_buffer_bytes); // after a long line
    }
    co_return close_reason_;
}

void peer_link::take_lines() {
    // Each update's client is found one line ahead of its handling, and the store starts
    // fetching that client's index entry then: the line before it is handled meanwhile, so a
    // batch of updates does not wait on that cache miss line after line. (A line views the
    // splitter's buffer, which only feed() and release_excess() change, and run() calls
    // those only after this returns, by when `ahead` is handled.)
    struct received_line {
        std::string_view line;
        store::client_key client; // of an update, else an empty ID
    };
    std::optional<received_line> ahead;
    const auto handle_ahead = [&] {
        if (ahead && !closed_) {
            handle(ahead->line, ahead->client);
        }
        ahead.reset();
    };
    std::string_view line;
    while (!closed_) {
        const auto status = splitter_.next(line);
        if (status == protocol::line_splitter::status::need_more) {
            break;
        }
        if (status == protocol::line_splitter::status::too_long) {
            handle_ahead();
            close(fmt::format("line longer than {} bytes", max_peer_line_bytes));
            return;
        }
        const std::string_view client_id = protocol::at_line_client_id(line);
        store::client_key client;
        if (!client_id.empty()) {
            client = store::location_store::key_of(client_id);
            store_.prefetch(client);
        }
        handle_ahead();
        ahead.emplace(received_line{line, client});
    }
    handle_ahead();
}

void peer_link::handle(std::string_view line, const store::client_key& client) {
    if (!client.id.empty() && store_.holds(line, client)) {
        // The record this member keeps, byte for byte: most often the copy of an update that
        // came first by another link. It was checked when it was kept, and merging it would
        // change nothing, so it is not parsed (half of a neighbour's updates are such copies).
        log_update(line);
        return;
    }
    message received = parse_message(line);
    if (auto* u = std::get_if<update>(&received)) {
        log_update(line);
        // The ID parse_message found is the field at_line_client_id found (the fuzz test checks
        // it), so `client` is its key.
        assert(client.id.data() == u->client_id.data() && client.id.size() == u->client_id.size());
        events_.on_update(*this, u->record, client);
    } else if (const auto* d = std::get_if<digest>(&received)) {
        if (digest_received_) { // each would restart catch-up, and ask for the whole store again
            close("a second DIGEST");
            return;
        }
        digest_received_ = true;
        compare_digests(d->hex);
    } else if (!std::holds_alternative<ping>(received)) {
        log_.warn("link {}: unexpected message: {}", neighbour_, server::escape_for_log(line.substr(0, 200)));
        close("unexpected message");
    }
}

void peer_link::log_update(std::string_view line) {
    log_.debug("link {} < {}", neighbour_, server::escaped{line});
}

void peer_link::compare_digests(std::string_view hex) {
    const auto theirs = decode_digest(hex, store::location_store::bucket_count);
    if (!theirs) {
        close("malformed digest");
        return;
    }
    catch_up_buckets_.reset();
    catch_up_slot_ = 0;
    for (std::size_t b = 0; b < theirs->size(); ++b) {
        catch_up_buckets_[b] = (*theirs)[b] != store_.bucket_digest(b);
    }
    log_.info("link {}: {} of {} buckets differ", neighbour_, catch_up_buckets_.count(), theirs->size());
    wake_writer();
}

void peer_link::fill_catch_up() {
    if (catch_up_buckets_.none()) {
        return;
    }
    const std::size_t batch_end = queue_.size() + catch_up_batch_bytes;
    while (queue_.size() < batch_end && catch_up_slot_ < store_.size()) {
        const std::size_t slot = catch_up_slot_++;
        if (catch_up_buckets_[store_.slot_bucket(slot)]) {
            queue_ += store_.slot(slot).at_line();
            queue_ += '\n';
        }
    }
    if (catch_up_slot_ == store_.size()) {
        catch_up_buckets_.reset(); // done: later records reach the neighbour by flooding
    }
}

void peer_link::release_idle_buffers() {
    for (std::string* buffer : {&queue_, &writing_}) {
        if (buffer->empty() && buffer->capacity() > idle_buffer_bytes) {
            std::string().swap(*buffer);
        }
    }
}

asio::awaitable<void> peer_link::write_loop() {
    const auto self = shared_from_this();
    while (!closed_) {
        fill_catch_up(); // after the floods queued, never waiting for a pause in them
        if (queue_.empty()) {
            release_idle_buffers();
            wake_.expires_at(steady::time_point::max());
            co_await wake_.async_wait(use_tuple);
            continue;
        }
        std::swap(queue_, writing_);
        longest_queued_ = 0;
        acknowledged_.reset(); // a new write: the next look at it sets where it starts
        const auto [error, n] = co_await asio::async_write(socket_, asio::buffer(writing_), use_tuple);
        writing_.clear();
        if (error) {
            close(error.message());
            break;
        }
        last_sent_ = steady::now();
    }
}

bool peer_link::write_stalled(steady::time_point now) {
    if (writing_.empty()) {
        return false;
    }
    const auto acknowledged = bytes_acknowledged(socket_.native_handle());
    if (!acknowledged) {
        return false; // no way to tell a stalled write: none is declared
    }
    if (acknowledged_ != acknowledged) { // the first look during this write, or more taken since
        acknowledged_ = acknowledged;
        acknowledged_moved_ = now;
        return false;
    }
    return now - acknowledged_moved_ >= limits_.peer_timeout;
}

asio::awaitable<void> peer_link::keepalive_loop() {
    const auto self = shared_from_this();
    while (!closed_) {
        // Wake when a PING is due (a heartbeat after the last write ended) or when the
        // neighbour's silence reaches the timeout, whichever is first: so an idle link is
        // never silent much longer than a heartbeat.
        const auto now = steady::now();
        auto ping_due = last_sent_ + limits_.peer_heartbeat;
        if (ping_due <= now && !(queue_.empty() && writing_.empty())) {
            ping_due = now + limits_.peer_heartbeat; // a write is under way: look again later
        }
        auto wake = std::min(ping_due, last_received_ + limits_.peer_timeout);
        if (!writing_.empty() && acknowledged_) {
            wake = std::min(wake, acknowledged_moved_ + limits_.peer_timeout);
        }
        keepalive_.expires_at(wake);
        co_await keepalive_.async_wait(use_tuple);
        if (closed_) {
            break;
        }
        const auto woken = steady::now();
        if (woken - last_received_ >= limits_.peer_timeout) {
            close(fmt::format("no traffic for {} ms", limits_.peer_timeout.count()));
        } else if (write_stalled(woken)) {
            close(fmt::format("neighbour not reading: nothing of a write taken for {} ms", limits_.peer_timeout.count()));
        } else if (woken - last_sent_ >= limits_.peer_heartbeat && queue_.empty() && writing_.empty()) {
            queue_ += ping_line;
            wake_writer();
        }
    }
}

} // namespace herd::peer
