#include "server/log.hpp"

#include <array>
#include <charconv>
#include <filesystem>
#include <stdexcept>

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "server/batched_file_sink.hpp"
#include "server/log_line_formatter.hpp"

namespace herd::server {

std::shared_ptr<spdlog::logger> make_member_logger(const std::string& log_dir, const std::string& name,
                                                   const std::string& level) {
    const std::filesystem::path path = std::filesystem::path(log_dir) / (name + ".log");
    try {
        std::filesystem::create_directories(log_dir);
        auto file = std::make_shared<batched_file_sink>(path.string());
        // stderr through a writer thread too: a terminal or pipe that stops reading must not
        // stall the event loop on a warning.
        auto console = std::make_shared<batched_file_sink>(STDERR_FILENO, batched_file_sink::settings{});
        console->set_level(spdlog::level::warn);
        auto logger = std::make_shared<spdlog::logger>(name, spdlog::sinks_init_list{file, console});
        logger->set_formatter(std::make_unique<log_line_formatter>());
        logger->flush_on(spdlog::level::warn);
        logger->set_level(spdlog::level::from_str(level));
        return logger;
    } catch (const std::exception& error) {
        throw std::runtime_error("cannot open the log " + path.string() + ": " + error.what());
    }
}

void log_traffic(spdlog::logger& log, std::uint64_t client, char direction, std::string_view bytes) {
    constexpr std::size_t kept_entry_bytes = 64 * 1024; // what the buffer keeps after a long line
    if (!log.should_log(spdlog::level::info)) {
        return;
    }
    thread_local std::string entry; // reused: the event loop logs from one thread
    entry.assign("client ");
    std::array<char, 20> digits{};
    entry.append(digits.data(), std::to_chars(digits.data(), digits.data() + digits.size(), client).ptr);
    entry += ' ';
    entry += direction;
    entry += ' ';
    append_escaped(entry, bytes);
    log.log(spdlog::level::info, spdlog::string_view_t(entry.data(), entry.size()));
    if (entry.capacity() > kept_entry_bytes) {
        std::string().swap(entry);
    }
}

void append_escaped(std::string& out, std::string_view bytes) {
    escape_pieces(bytes, [&out](std::string_view piece) { out.append(piece); });
}

std::string escape_for_log(std::string_view bytes) {
    std::string out;
    append_escaped(out, bytes);
    return out;
}

} // namespace herd::server
