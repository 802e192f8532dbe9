#include "server/log.hpp"

#include <filesystem>
#include <stdexcept>

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "server/batched_file_sink.hpp"

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
        logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %n %l %v", spdlog::pattern_time_type::utc);
        logger->flush_on(spdlog::level::warn);
        logger->set_level(spdlog::level::from_str(level));
        return logger;
    } catch (const std::exception& error) {
        throw std::runtime_error("cannot open the log " + path.string() + ": " + error.what());
    }
}

std::string escape_for_log(std::string_view bytes) { return fmt::format("{}", escaped{bytes}); }

} // namespace herd::server
