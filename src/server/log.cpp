#include "server/log.hpp"

#include <filesystem>
#include <mutex>
#include <stdexcept>

#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace herd::server {

std::shared_ptr<spdlog::logger> make_member_logger(const std::string& log_dir, const std::string& name,
                                                   const std::string& level) {
    static std::once_flag pool_created;
    std::call_once(pool_created, [] {
        spdlog::init_thread_pool(65'536, 1);
        spdlog::flush_every(std::chrono::seconds(1));
    });
    const std::filesystem::path path = std::filesystem::path(log_dir) / (name + ".log");
    try {
        std::filesystem::create_directories(log_dir);
        auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path.string());
        auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
        console->set_level(spdlog::level::warn);
        auto logger = std::make_shared<spdlog::async_logger>(
            name, spdlog::sinks_init_list{file, console}, spdlog::thread_pool(),
            spdlog::async_overflow_policy::overrun_oldest);
        logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %n %l %v", spdlog::pattern_time_type::utc);
        logger->flush_on(spdlog::level::warn);
        logger->set_level(spdlog::level::from_str(level));
        spdlog::register_logger(logger); // so the periodic flush reaches it
        return logger;
    } catch (const std::exception& error) {
        throw std::runtime_error("cannot open the log " + path.string() + ": " + error.what());
    }
}

std::string escape_for_log(std::string_view bytes) { return fmt::format("{}", escaped{bytes}); }

} // namespace herd::server
