#include "server/log.hpp"

#include <filesystem>
#include <stdexcept>

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "common/append_decimal.hpp"
#include "server/batched_file_sink.hpp"

namespace herd::server {

member_logger::member_logger(std::string name, std::shared_ptr<batched_file_sink> file,
                             std::shared_ptr<batched_file_sink> console)
    : spdlog::logger(std::move(name), {file, std::move(console)}), file_(std::move(file)) {
    set_formatter(std::make_unique<log_line_formatter>());
}

void member_logger::traffic(std::uint64_t client, char direction, std::string_view bytes) {
    if (!should_log(spdlog::level::info) || !file_->should_log(spdlog::level::info)) {
        return;
    }
    const auto now = spdlog::log_clock::now();
    file_->append_entry(name(), [&](std::string& batch) {
        traffic_layout_.append_header(now, name(), spdlog::level::info, batch);
        batch += "client ";
        append_decimal(batch, client);
        batch += ' ';
        batch += direction;
        batch += ' ';
        append_escaped(batch, bytes);
        batch += '\n';
    });
}

void member_logger::reopen_file() { file_->reopen(); }

std::shared_ptr<member_logger> make_member_logger(const std::string& log_dir, const std::string& name,
                                                  const std::string& level) {
    const std::filesystem::path path = std::filesystem::path(log_dir) / (name + ".log");
    try {
        std::filesystem::create_directories(log_dir);
        auto file = std::make_shared<batched_file_sink>(path.string());
        // stderr through a writer thread too: a terminal or pipe that stops reading must not
        // stall the event loop on a warning.
        auto console = std::make_shared<batched_file_sink>(STDERR_FILENO, batched_file_sink::settings{});
        console->set_level(spdlog::level::warn);
        auto logger = std::make_shared<member_logger>(name, std::move(file), std::move(console));
        logger->flush_on(spdlog::level::warn);
        logger->set_level(spdlog::level::from_str(level));
        return logger;
    } catch (const std::exception& error) {
        throw std::runtime_error("cannot open the log " + path.string() + ": " + error.what());
    }
}

void warn_refused_record(spdlog::logger& log, std::uint64_t refusals, std::string_view what, std::string_view from,
                         std::string_view client_id, const std::exception& why) {
    if (warn_of_refusal(refusals)) {
        log.warn("{}{} for client {} refused: {} ({} refused so far; said again at {})", what, from,
                 escaped{client_id}, why.what(), refusals, 2 * refusals);
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
