#include "places/make_backend.hpp"

#include <chrono>
#include <cstdlib>

#include "places/google_places.hpp"
#include "places/offline_places.hpp"

namespace herd::places {

std::unique_ptr<places_backend> make_backend(boost::asio::any_io_executor executor,
                                             const config::places_config& config, spdlog::logger& log) {
    try {
        if (!config.is_google()) {
            const auto started = std::chrono::steady_clock::now();
            auto places = load_gazetteer(config.file);
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
            log.info("offline places: {} places from {} in {} ms", places.size(), config.file, ms.count());
            return std::make_unique<offline_places>(std::move(places), config.attribution);
        }
        const char* key = std::getenv(config.api_key_env.c_str());
        if (key == nullptr || *key == '\0') {
            throw config::config_error("places backend '" + config.backend +
                                       "' needs an API key in the environment variable " + config.api_key_env +
                                       " (places.api_key_env), which is not set");
        }
        const auto which = config.backend == "google" ? google_places::api::legacy : google_places::api::places_new;
        log.info("places: {} backend, key from ${}", config.backend, config.api_key_env);
        return std::make_unique<google_places>(std::move(executor), which, key, config, log);
    } catch (const config::config_error&) {
        throw;
    } catch (const std::exception& error) {
        throw backend_error(error.what());
    }
}

} // namespace herd::places
