#pragma once

#include <memory>
#include <stdexcept>

#include <boost/asio/any_io_executor.hpp>
#include <spdlog/logger.h>

#include "herd/config.hpp"
#include "places/places_backend.hpp"

namespace herd::places {

// The configured backend is unusable (bad endpoint or CA file, bad gazetteer).
class backend_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Builds the backend `config.backend` names. Reads a Google key from the environment
// variable `config.api_key_env`: without one, throws config::config_error. Throws
// backend_error when the backend cannot be built (gazetteer, endpoint, CA file).
std::unique_ptr<places_backend> make_backend(boost::asio::any_io_executor executor,
                                             const config::places_config& config, spdlog::logger& log);

} // namespace herd::places
