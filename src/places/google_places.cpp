#include "places/google_places.hpp"

#include <chrono>
#include <stdexcept>

#include <boost/json.hpp>

namespace herd::places {
namespace {

https_origin origin_for(google_places::api which, const std::string& endpoint) {
    if (endpoint.empty()) {
        return {which == google_places::api::legacy ? "maps.googleapis.com" : "places.googleapis.com", 443};
    }
    const auto origin = parse_https_origin(endpoint);
    if (!origin) {
        throw std::runtime_error("places.endpoint: '" + endpoint + "' is not https://host[:port]");
    }
    return *origin;
}

} // namespace

google_places::google_places(boost::asio::any_io_executor executor, api which, std::string api_key,
                             const config::places_config& config, spdlog::logger& log)
    : api_(which), api_key_(std::move(api_key)), log_(log), tls_(boost::asio::ssl::context::tls_client) {
    tls_.set_default_verify_paths();
    if (!config.ca_file.empty()) {
        boost::system::error_code error;
        tls_.load_verify_file(config.ca_file, error);
        if (error) {
            throw std::runtime_error("places.ca_file: cannot load " + config.ca_file + ": " + error.message());
        }
    }
    https_limits limits;
    limits.timeout = config.timeout;
    limits.max_concurrent = config.max_concurrent;
    client_ = std::make_unique<https_client>(std::move(executor), tls_, origin_for(which, config.endpoint), limits);
}

google_places::~google_places() = default;

boost::asio::awaitable<boost::json::object> google_places::nearby(nearby_query query) {
    if (query.bound == 0) {
        co_return boost::json::object{
            {"html_attributions", boost::json::array{}}, {"results", boost::json::array{}}, {"status", "ZERO_RESULTS"}};
    }
    const upstream_request request =
        api_ == api::legacy ? legacy_request(query, api_key_) : new_request(query, api_key_);
    const std::string key = request.method + ' ' + request.target + ' ' + request.body;
    // `request` lives in this frame until run() completes, so ask() may refer to it.
    const https_result answer = co_await coalescer_.run(key, [this, &request] { return ask(request); });
    if (!answer.ok) {
        co_return failure_reply("UNKNOWN_ERROR", answer.error);
    }
    co_return api_ == api::legacy ? legacy_reply(answer.status, answer.body, query)
                                  : new_reply(answer.status, answer.body, query);
}

boost::asio::awaitable<https_result> google_places::ask(const upstream_request& request) {
    const auto started = std::chrono::steady_clock::now();
    https_result result = co_await client_->send(request);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    if (!result.ok) {
        log_.warn("places: {} failed after {} ms: {}", request.log_line, ms.count(), result.error);
    } else {
        log_.info("places: {} -> HTTP {} in {} ms", request.log_line, result.status, ms.count());
    }
    co_return result;
}

} // namespace herd::places
