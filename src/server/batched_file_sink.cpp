#include "server/batched_file_sink.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/common.h>

namespace herd::server {

batched_file_sink::batched_file_sink(const std::string& path, settings limits)
    : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)), limits_(limits) {
    if (fd_ < 0) {
        throw spdlog::spdlog_ex("cannot open " + path + " for appending", errno);
    }
    pending_.reserve(limits_.batch_bytes + limits_.batch_bytes / 4);
    writer_ = std::thread([this] { write_loop(); });
}

batched_file_sink::~batched_file_sink() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    writer_.join();
    ::close(fd_);
}

void batched_file_sink::sink_it_(const spdlog::details::log_msg& msg) {
    if (pending_.size() >= limits_.max_pending_bytes) {
        ++dropped_;
        return;
    }
    if (logger_name_.empty()) {
        logger_name_.assign(msg.logger_name.data(), msg.logger_name.size());
    }
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    const bool first_of_batch = pending_.empty();
    pending_.append(formatted.data(), formatted.size());
    const bool batch_full = !urgent_ && pending_.size() >= limits_.batch_bytes;
    urgent_ = urgent_ || batch_full;
    if (first_of_batch || batch_full) {
        wake_.notify_one(); // at most twice a batch; no system call unless the writer waits
    }
}

void batched_file_sink::flush_() {
    urgent_ = true;
    wake_.notify_one();
}

void batched_file_sink::write_loop() {
    std::string writing;
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return !pending_.empty() || stopping_; });
        wake_.wait_for(lock, limits_.interval, [this] { return urgent_ || stopping_; });
        std::swap(pending_, writing);
        urgent_ = false;
        if (const std::size_t dropped = std::exchange(dropped_, 0); dropped > 0) {
            const std::string text = fmt::format("{} log entries dropped: the log file did not keep up", dropped);
            spdlog::memory_buf_t note;
            formatter_->format(spdlog::details::log_msg(logger_name_, spdlog::level::warn, text), note);
            writing.append(note.data(), note.size());
        }
        const bool stop = stopping_;
        lock.unlock();
        write_all(writing);
        writing.clear();
        if (writing.capacity() > 4 * limits_.batch_bytes) {
            std::string().swap(writing); // after a burst, do not keep its size
        }
        lock.lock();
        if (stop && pending_.empty()) {
            return;
        }
    }
}

void batched_file_sink::write_all(const std::string& bytes) {
    std::size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd_, bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            if (!write_failed_) { // say so once, not every batch
                std::fprintf(stderr, "herd: cannot write the log: %s (entries lost)\n", std::strerror(errno));
            }
            write_failed_ = true;
            return;
        }
        written += static_cast<std::size_t>(n);
    }
    write_failed_ = false;
}

} // namespace herd::server
