#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <semaphore>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <spdlog/sinks/base_sink.h>

#include "server/appended_file_trimmer.hpp"

namespace herd::server {

// A log file written in batches: an entry is formatted into memory on the caller's thread, and a
// writer thread appends whole batches. A batch goes to the writer as soon as `batch_bytes` wait
// (handed over without a lock the writer holds: one wake-up per batch, no mutex ping-pong), or
// when `interval` passes, or on flush(). When the file cannot keep up and `max_pending_bytes`
// already wait besides the batch being written, new entries are dropped and counted, and the log
// says how many, rather than make the caller wait or grow without bound. Entries wait in blocks
// of about `block_bytes`, which the writer empties and callers reuse: a burst that outruns the
// writer adds blocks rather than copy a growing buffer, and a busy log does not keep taking fresh
// memory (and its page faults). Entries a failed write loses (a full disk) are counted too, and
// noted in the file once it takes writes again. A file's written pages do not pile up in the page
// cache (`appended_file_trimmer`). Destroying the sink writes everything still waiting.
// Thread-safe.
class batched_file_sink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    // Meant with 0 < block_bytes <= batch_bytes, and spare_blocks at least the blocks of a
    // batch (batch_bytes / block_bytes), else each batch takes some blocks afresh.
    struct settings {
        std::chrono::milliseconds interval{50};
        std::size_t batch_bytes = 256 * 1024; // handed to the writer once this much waits
        std::size_t block_bytes = 64 * 1024;  // entries wait in blocks of about this much
        std::size_t max_pending_bytes = 16 * 1024 * 1024;
        std::size_t trim_step = 4 * 1024 * 1024; // see appended_file_trimmer; 0: never trim
        std::size_t spare_blocks = 8;              // emptied blocks kept for reuse, at most
    };

    // Opens `path` for appending, creating it. Throws spdlog::spdlog_ex when it cannot.
    explicit batched_file_sink(const std::string& path, settings limits);
    explicit batched_file_sink(const std::string& path) : batched_file_sink(path, settings{}) {}
    // Writes to a duplicate of `descriptor` (stderr, say), so a stalled reader stalls only
    // the writer thread. Throws spdlog::spdlog_ex when it cannot duplicate it.
    batched_file_sink(int descriptor, settings limits);
    ~batched_file_sink() override;

    batched_file_sink(const batched_file_sink&) = delete;
    batched_file_sink& operator=(const batched_file_sink&) = delete;

    // For log rotation that renames the file (logrotate's default): the writer opens the path
    // again (creating it) as soon as it wakes, and at the latest before it writes its next
    // batch, so every entry logged after this returns goes to the new file (some logged just
    // before may too). If it cannot, it says so on stderr and in an entry in the old file, and
    // keeps writing that. Does nothing for a sink made from a descriptor. Does not wait.
    void reopen();

    // Appends one entry that `write(std::string& block)` appends itself, a whole line with its
    // LF, straight into the block it waits in, under the limits of any other entry: the path
    // for entries too frequent to go through a spdlog message and formatter (client traffic).
    // `logger_name` names the log in a note of dropped entries. `write` runs under the sink's
    // lock, so it must not log; if it throws, what it appended is taken back and the exception
    // passes on.
    template <typename Write>
    void append_entry(std::string_view logger_name, Write&& write) {
        const std::lock_guard lock(mutex_);
        append_locked(logger_name, write);
    }

    // The memory its blocks hold for entries waiting and for reuse (not while they are being
    // written): once a backlog is written, at most twice `spare_blocks` blocks (the spare ones
    // and those of the last batch written) of 1.25 to 2.5 x `block_bytes`, whatever the
    // backlog was.
    std::size_t held_bytes();

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override;
    // Hands what waits to the writer now; does not wait for the write.
    void flush_() override;

private:
    // With mutex_ held: the one way a caller's entry gets into the batch, for spdlog's entries
    // (sink_it_) and direct ones (append_entry) alike (the sink's own note of dropped entries
    // is added at hand-off). Appends it (append_pending_locked) unless the file is not keeping
    // up (then it is dropped and counted). Hands a full batch to the writer.
    template <typename Write>
    void append_locked(std::string_view logger_name, Write& write) {
        if (!admit_locked(logger_name)) {
            return;
        }
        append_pending_locked(write);
        entry_appended_locked();
    }
    // With mutex_ held: `write(block)` appends an entry to the block open_block_locked() gives,
    // and its bytes are counted as waiting; if `write` throws, what it appended is taken back.
    // The one way bytes join the entries waiting, the sink's own notes included.
    template <typename Write>
    void append_pending_locked(Write& write) {
        std::string& block = open_block_locked();
        const std::size_t entry_start = block.size();
        try {
            write(block);
        } catch (...) {
            block.resize(entry_start); // no half entry in the batch
            throw;
        }
        pending_bytes_ += block.size() - entry_start;
    }
    // With mutex_ held, before an entry of `logger_name`'s: false when it must be dropped
    // (counted) because the file is not keeping up. Keeps the first name it is given for the
    // note of dropped entries.
    bool admit_locked(std::string_view logger_name);
    // With mutex_ held (the formatter and logger_name_ are the callers' too): appends to `out`
    // the sink's own entry `text` (a note of entries dropped or lost, say), laid out like
    // the callers' entries.
    void append_own_entry_locked(spdlog::level::level_enum level, std::string_view text, std::string& out);
    // With mutex_ held: the sink's own entry `text`, after the entries waiting.
    void note_locked(spdlog::level::level_enum level, std::string_view text);
    // With mutex_ held: the block the next entry goes into: the last one waiting, unless there
    // is none or it holds `block_bytes` already; then a spare one, or a new one of
    // block_reserve() bytes.
    std::string& open_block_locked();
    // What a new block reserves: a block and a quarter, so the entry that fills it seldom has
    // to grow it.
    std::size_t block_reserve() const { return limits_.block_bytes + limits_.block_bytes / 4; }
    // With mutex_ held, after an entry: hands a full batch to the writer.
    void entry_appended_locked();
    // With mutex_ held: moves the blocks waiting (and a note of entries dropped) into handoff_
    // and marks them the writer's, keeping the blocks the writer emptied for reuse (up to
    // `spare_blocks`). False when the writer still has the previous batch.
    bool hand_off_locked();
    // With mutex_ held: hands off, or else asks the writer to take what waits as soon as it
    // has written the batch in hand. True when handed off.
    bool hand_off_or_ask_locked();
    void start();
    void write_loop();
    // The writer's side of reopen().
    void reopen_file();
    // Writes the handed-off batch, if any, and gives handoff_ back: at most `spare_blocks` of
    // its blocks, emptied, the rest freed.
    void write_handoff();
    // Before a batch, after failed writes: ends the line a failed write cut short and says in
    // the file how many entries were lost. False while the file still refuses writes (a note
    // cut short is ended and written whole before the next batch).
    bool note_losses();
    // Writes a batch of whole entries; what the file refuses is counted in lost_entries_.
    void write_entries(std::string_view batch);
    // Appends `bytes` to the file; returns how many it took (all, unless a write failed: then
    // failure_ holds its errno, said once on stderr, and a line cut short is remembered).
    std::size_t write_bytes(std::string_view bytes);

    std::string path_; // empty for a sink made from a descriptor
    int fd_;
    settings limits_;
    std::optional<appended_file_trimmer> trimmer_; // the writer's alone
    std::vector<std::string> pending_; // blocks of entries not yet handed over, in order (under mutex_)
    std::size_t pending_bytes_ = 0;    // their bytes (under mutex_)
    std::vector<std::string> spare_;   // emptied blocks for reuse (under mutex_)
    std::size_t dropped_ = 0;       // entries dropped since the last note (under mutex_)
    std::string logger_name_;       // for the sink's own entries (under mutex_)
    std::vector<std::string> handoff_; // a batch: the writer's while handoff_busy_, else under mutex_
    std::atomic<bool> handoff_busy_{false};
    std::atomic<bool> flush_wanted_{false};  // take what waits after the batch in hand
    std::atomic<bool> batch_waiting_{false}; // a full batch waits: take it after the one in hand
    std::atomic<bool> stopping_{false};
    std::atomic<bool> reopen_wanted_{false};
    std::counting_semaphore<> ready_{0}; // released when there is work for the writer
    // The writer's alone: the errno of the failed write that began the current spell of failures
    // (0: the last write succeeded), the entries failed writes lost since a batch was last
    // written, and whether the file ends in a line a failed write cut short.
    int failure_ = 0;
    std::size_t lost_entries_ = 0;
    bool line_end_owed_ = false;
    std::thread writer_;                 // started last: uses everything above
};

} // namespace herd::server
