#pragma once

#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <spdlog/logger.h>

#include "herd/config.hpp"
#include "places/coalescer.hpp"
#include "places/https_client.hpp"
#include "places/places_backend.hpp"

namespace herd::places {

// WHATSAT from Google Places over HTTPS: Nearby Search (legacy) or Places API (New), always
// answered in the legacy shape. Look-ups in flight at once that make the same upstream request
// share it, and each shapes the answer for its own query (legacy requests do not carry the
// bound). The API key goes into requests only, never into the log.
class google_places final : public places_backend {
public:
    enum class api { legacy, places_new };

    // Throws std::runtime_error when the endpoint or the CA file is unusable.
    google_places(boost::asio::any_io_executor executor, api which, std::string api_key,
                  const config::places_config& config, spdlog::logger& log);
    ~google_places() override;

    boost::asio::awaitable<boost::json::object> nearby(nearby_query query) override;

private:
    // Sends `request` (which must outlive the call) and logs how it went.
    boost::asio::awaitable<https_result> ask(const upstream_request& request);

    api api_;
    std::string api_key_;
    spdlog::logger& log_;
    boost::asio::ssl::context tls_;
    std::unique_ptr<https_client> client_;
    coalescer<std::string, https_result> coalescer_; // upstream answers, by request
};

} // namespace herd::places
