#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>

#include <spdlog/sinks/base_sink.h>

namespace herd::server {

// A log file written in batches: an entry is formatted into memory on the caller's thread
// (no system call, no wake-up), and a writer thread appends the whole batch with one write()
// every `interval`, as soon as `batch_bytes` are waiting, or on flush(). When the file cannot
// keep up and `max_pending_bytes` already wait, new entries are dropped and counted, and the
// log says how many, rather than make the caller wait or grow without bound. Destroying the
// sink writes everything still waiting. Thread-safe.
class batched_file_sink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    struct settings {
        std::chrono::milliseconds interval{50};
        std::size_t batch_bytes = 64 * 1024;
        std::size_t max_pending_bytes = 16 * 1024 * 1024;
    };

    // Opens `path` for appending, creating it. Throws spdlog::spdlog_ex when it cannot.
    explicit batched_file_sink(const std::string& path, settings limits);
    explicit batched_file_sink(const std::string& path) : batched_file_sink(path, settings{}) {}
    ~batched_file_sink() override;

    batched_file_sink(const batched_file_sink&) = delete;
    batched_file_sink& operator=(const batched_file_sink&) = delete;

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override;
    // Hands what waits to the writer now; does not wait for the write.
    void flush_() override;

private:
    void write_loop();
    void write_all(const std::string& bytes);

    int fd_;
    settings limits_;
    std::string pending_;     // formatted entries not yet handed to the writer
    std::size_t dropped_ = 0; // entries dropped since the writer last reported
    std::string logger_name_; // for the writer's own entries
    bool urgent_ = false;     // write without waiting for the interval
    bool stopping_ = false;
    bool write_failed_ = false;    // the writer's alone
    std::condition_variable wake_; // waits on base_sink's mutex_
    std::thread writer_;           // started last: uses everything above
};

} // namespace herd::server
