#include "server/batched_file_sink.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/common.h>

namespace herd::server {

batched_file_sink::batched_file_sink(const std::string& path, settings limits)
    : path_(path), fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)), limits_(limits) {
    if (fd_ < 0) {
        throw spdlog::spdlog_ex("cannot open " + path + " for appending", errno);
    }
    start();
}

batched_file_sink::batched_file_sink(int descriptor, settings limits)
    : fd_(::fcntl(descriptor, F_DUPFD_CLOEXEC, 0)), limits_(limits) {
    if (fd_ < 0) {
        throw spdlog::spdlog_ex("cannot duplicate descriptor " + std::to_string(descriptor), errno);
    }
    start();
}

void batched_file_sink::start() {
    trimmer_.emplace(fd_, limits_.trim_step);
    writer_ = std::thread([this] { write_loop(); });
}

batched_file_sink::~batched_file_sink() {
    stopping_.store(true);
    ready_.release();
    writer_.join();
    ::close(fd_);
}

void batched_file_sink::sink_it_(const spdlog::details::log_msg& msg) {
    const auto write = [&](std::string& batch) {
        spdlog::memory_buf_t formatted;
        formatter_->format(msg, formatted);
        batch.append(formatted.data(), formatted.size());
    };
    append_locked(std::string_view(msg.logger_name.data(), msg.logger_name.size()), write);
}

bool batched_file_sink::admit_locked(std::string_view logger_name) {
    if (pending_bytes_ >= limits_.max_pending_bytes && !hand_off_or_ask_locked()) {
        ++dropped_; // the writer still has a batch: the file is not keeping up
        return false;
    }
    if (logger_name_.empty()) {
        logger_name_.assign(logger_name);
    }
    return true;
}

std::string& batched_file_sink::open_block_locked() {
    if (pending_.empty() || pending_.back().size() >= limits_.block_bytes) {
        if (spare_.empty()) {
            pending_.emplace_back().reserve(block_reserve());
        } else {
            pending_.push_back(std::move(spare_.back()));
            spare_.pop_back();
        }
    }
    return pending_.back();
}

std::size_t batched_file_sink::held_bytes() {
    const std::lock_guard lock(mutex_);
    std::size_t bytes = 0;
    const auto add = [&bytes](const std::vector<std::string>& blocks) {
        for (const std::string& block : blocks) {
            bytes += block.capacity();
        }
    };
    add(pending_);
    add(spare_);
    if (!handoff_busy_.load(std::memory_order_acquire)) {
        add(handoff_); // else the writer's
    }
    return bytes;
}

void batched_file_sink::entry_appended_locked() {
    if (pending_bytes_ >= limits_.batch_bytes) {
        hand_off_or_ask_locked();
    }
}

bool batched_file_sink::hand_off_or_ask_locked() {
    if (hand_off_locked()) {
        ready_.release(); // one wake-up per batch
        return true;
    }
    if (!batch_waiting_.exchange(true)) {
        ready_.release(); // the writer takes what waits itself once the batch in hand is written
    }
    return false;
}

void batched_file_sink::flush_() {
    if (pending_bytes_ > 0 && !hand_off_locked()) {
        flush_wanted_.store(true); // the writer takes what waits once the batch in hand is written
    }
    ready_.release();
}

bool batched_file_sink::hand_off_locked() {
    if (handoff_busy_.load(std::memory_order_acquire)) {
        return false;
    }
    for (std::string& block : handoff_) { // emptied by the writer, or freed
        if (spare_.size() < limits_.spare_blocks && block.capacity() >= limits_.block_bytes) {
            spare_.push_back(std::move(block));
        }
    }
    handoff_.clear();
    if (dropped_ > 0) {
        note_locked(spdlog::level::warn, fmt::format("{} log entries dropped: the log file did not keep up", dropped_));
        dropped_ = 0;
    }
    std::swap(pending_, handoff_);
    pending_bytes_ = 0;
    handoff_busy_.store(true, std::memory_order_release);
    return true;
}

void batched_file_sink::note_locked(spdlog::level::level_enum level, std::string_view text) {
    const auto write = [&](std::string& block) { append_own_entry_locked(level, text, block); };
    append_pending_locked(write);
}

void batched_file_sink::append_own_entry_locked(spdlog::level::level_enum level, std::string_view text,
                                                std::string& out) {
    spdlog::memory_buf_t entry;
    formatter_->format(spdlog::details::log_msg(logger_name_, level, text), entry);
    out.append(entry.data(), entry.size());
}

void batched_file_sink::reopen() {
    if (!path_.empty()) {
        reopen_wanted_.store(true);
        ready_.release();
    }
}

void batched_file_sink::reopen_file() {
    const int fresh = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fresh < 0 || ::dup3(fresh, fd_, O_CLOEXEC) < 0) { // fd_ is now the new file's
        const std::string text = fmt::format("cannot reopen the log {}: {} (still writing the old one)", path_,
                                             std::strerror(errno));
        std::fprintf(stderr, "herd: %s\n", text.c_str());
        if (fresh >= 0) {
            ::close(fresh);
        }
        // An entry like any other, so it goes to the old file, where it is read, in its turn.
        const std::lock_guard lock(mutex_);
        note_locked(spdlog::level::err, text);
        return;
    }
    ::close(fresh);
    trimmer_.reset(); // it keeps a descriptor of the old file: a new one for the new file
    trimmer_.emplace(fd_, limits_.trim_step);
}

void batched_file_sink::write_loop() {
    for (;;) {
        const bool woken = ready_.try_acquire_for(limits_.interval);
        write_handoff();
        if (reopen_wanted_.exchange(false)) {
            reopen_file(); // now, not only before a next batch: there may be none for a long while
        }
        // Both flags are cleared every time, so a caller's next request wakes the writer again.
        const bool flush = flush_wanted_.exchange(false);
        const bool batch_waiting = batch_waiting_.exchange(false);
        if (woken && !flush && !batch_waiting && !stopping_.load()) {
            continue; // a full batch, written: no need to look at what waits
        }
        {
            const std::lock_guard lock(mutex_);
            if (pending_bytes_ > 0 || dropped_ > 0) {
                hand_off_locked(); // fails only if a caller handed off meanwhile: written next
            }
        }
        write_handoff();
        if (stopping_.load()) {
            const std::lock_guard lock(mutex_);
            if (pending_bytes_ == 0 && dropped_ == 0 && !handoff_busy_.load(std::memory_order_acquire)) {
                return;
            }
        }
    }
}

void batched_file_sink::write_handoff() {
    if (!handoff_busy_.load(std::memory_order_acquire)) {
        return;
    }
    // Checked with each batch too, so an entry logged after reopen() returned, in this batch
    // or a later one, goes to the new file.
    if (reopen_wanted_.exchange(false)) {
        reopen_file();
    }
    const std::size_t kept_capacity = 2 * block_reserve();
    for (std::string& block : handoff_) {
        if (!block.empty()) { // (a block whose entry threw may be)
            // Before each block, after a failed write: the line it cut short ended, its losses noted.
            if (note_losses()) {
                write_entries(block);
            } else {
                lost_entries_ += static_cast<std::size_t>(std::count(block.begin(), block.end(), '\n'));
            }
        }
        if (block.capacity() > kept_capacity) {
            std::string().swap(block); // grown by an entry far past the block size: not kept
        } else {
            block.clear();
        }
    }
    // Only as many as are kept for reuse go back: the rest of a backlog is freed here, off the
    // callers' lock.
    if (handoff_.size() > limits_.spare_blocks) {
        handoff_.resize(limits_.spare_blocks);
    }
    handoff_busy_.store(false, std::memory_order_release);
}

bool batched_file_sink::note_losses() {
    if (lost_entries_ == 0 && !line_end_owed_) {
        return true;
    }
    std::string note = line_end_owed_ ? "\n" : "";
    if (lost_entries_ > 0) {
        const std::string text = fmt::format("{} log entries lost: the log could not be written ({})", lost_entries_,
                                             std::strerror(failure_));
        const std::lock_guard lock(mutex_);
        append_own_entry_locked(spdlog::level::err, text, note);
    }
    if (write_bytes(note) < note.size()) {
        return false; // the same note, whole, before the next batch
    }
    lost_entries_ = 0;
    return true;
}

void batched_file_sink::write_entries(std::string_view batch) {
    const std::size_t written = write_bytes(batch);
    lost_entries_ += static_cast<std::size_t>(std::count(batch.begin() + static_cast<std::ptrdiff_t>(written), batch.end(), '\n'));
}

std::size_t batched_file_sink::write_bytes(std::string_view bytes) {
    std::size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd_, bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            if (failure_ == 0) { // say so once, not every batch
                failure_ = n < 0 ? errno : EIO;
                std::fprintf(stderr, "herd: cannot write the log: %s (entries lost)\n", std::strerror(failure_));
            }
            break;
        }
        written += static_cast<std::size_t>(n);
    }
    if (written > 0) {
        line_end_owed_ = bytes[written - 1] != '\n';
        trimmer_->appended(written);
    }
    if (written == bytes.size()) {
        failure_ = 0;
    }
    return written;
}

} // namespace herd::server
