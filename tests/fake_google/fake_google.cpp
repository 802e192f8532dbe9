// A local HTTPS server that speaks Google Places' request and response formats, for tests.
// Usage: fake_google --cert C --key K --mode MODE --log FILE --port-file FILE [--delay-ms N]
//        [--port N]
// Binds 127.0.0.1 on --port (a free port by default) and writes the port to --port-file. Appends one JSON line
// per request to --log. Modes: legacy, new, legacy-denied, new-denied, http-500, bad-json,
// hang, huge. Stops by itself after --lifetime-s (default 120) seconds.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

struct options {
    std::string cert, key, mode = "legacy", log, port_file;
    int delay_ms = 0;
    int lifetime_s = 120;
    unsigned short port = 0; // 0: a free one
};

std::mutex log_mutex;
std::atomic<int> in_flight{0};
std::atomic<int> next_connection{1};

json::object place(int i) {
    return json::object{{"geometry", json::object{{"location", json::object{{"lat", 34.07 + i * 0.001}, {"lng", -118.44}}}}},
                        {"name", "Place " + std::to_string(i)},
                        {"place_id", "fake-" + std::to_string(i)},
                        {"types", json::array{"point_of_interest"}},
                        {"vicinity", "Street " + std::to_string(i)}};
}

json::object new_place(int i) {
    json::object p{{"id", "fake-new-" + std::to_string(i)},
                   {"displayName", json::object{{"text", "New Place " + std::to_string(i)}, {"languageCode", "en"}}},
                   {"location", json::object{{"latitude", 34.07 + i * 0.001}, {"longitude", -118.44}}},
                   {"types", json::array{"cafe", "food"}},
                   {"shortFormattedAddress", "Avenue " + std::to_string(i)}};
    if (i % 2 == 0) {
        p["rating"] = 4.5;
    }
    return p;
}

// The status and body the mode calls for.
std::pair<http::status, std::string> answer_for(const std::string& mode) {
    if (mode == "legacy") {
        json::array results;
        for (int i = 0; i < 7; ++i) {
            results.push_back(place(i));
        }
        return {http::status::ok, json::serialize(json::object{{"html_attributions", json::array{"Fake data"}},
                                                               {"next_page_token", "token-123"},
                                                               {"results", results},
                                                               {"status", "OK"}})};
    }
    if (mode == "new") {
        json::array places;
        for (int i = 0; i < 3; ++i) {
            places.push_back(new_place(i));
        }
        return {http::status::ok, json::serialize(json::object{{"places", places}})};
    }
    if (mode == "legacy-denied") {
        return {http::status::ok, R"({"error_message":"The provided API key is invalid.","html_attributions":[],"results":[],"status":"REQUEST_DENIED"})"};
    }
    if (mode == "new-denied") {
        return {http::status::forbidden, R"({"error":{"code":403,"message":"API key not valid. Please pass a valid API key.","status":"PERMISSION_DENIED"}})"};
    }
    if (mode == "http-500") {
        return {http::status::internal_server_error, "oops"};
    }
    if (mode == "bad-json") {
        return {http::status::ok, "{\"results\": [ not json"};
    }
    if (mode == "huge") {
        return {http::status::ok, std::string(8 << 20, ' ')};
    }
    return {http::status::ok, "{}"};
}

void log_request(const options& o, const http::request<http::string_body>& request, int connection) {
    json::object line{{"method", std::string(request.method_string())},
                      {"target", std::string(request.target())},
                      {"host", std::string(request[http::field::host])},
                      {"api_key", std::string(request["X-Goog-Api-Key"])},
                      {"field_mask", std::string(request["X-Goog-FieldMask"])},
                      {"content_type", std::string(request[http::field::content_type])},
                      {"body", request.body()},
                      {"connection", connection},
                      {"in_flight", in_flight.load()}};
    const std::lock_guard lock(log_mutex);
    std::ofstream(o.log, std::ios::app) << json::serialize(line) << "\n";
}

void serve(const options& o, asio::ssl::context& tls, tcp::socket socket) {
    const int connection = next_connection++;
    try {
        beast::ssl_stream<tcp::socket> stream(std::move(socket), tls);
        stream.handshake(asio::ssl::stream_base::server);
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> request;
            http::read(stream, buffer, request);
            ++in_flight;
            log_request(o, request, connection);
            if (o.mode == "hang") {
                std::this_thread::sleep_for(std::chrono::seconds(10));
                --in_flight;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(o.delay_ms));
            if (o.mode == "early-hints") { // an interim response first, as a CDN may send
                const std::string hints = "HTTP/1.1 103 Early Hints\r\nLink: </x.css>; rel=preload\r\n\r\n";
                asio::write(stream, asio::buffer(hints));
            }
            auto [status, body] = answer_for(o.mode == "early-hints" ? "legacy" : o.mode);
            http::response<http::string_body> response(status, request.version());
            response.set(http::field::content_type, "application/json; charset=UTF-8");
            response.body() = std::move(body);
            response.keep_alive(request.keep_alive());
            response.prepare_payload();
            --in_flight;
            http::write(stream, response);
            if (!request.keep_alive()) {
                return;
            }
        }
    } catch (const std::exception&) {
        // The client went away or failed TLS: that connection ends.
    }
}

} // namespace

int main(int argc, char** argv) {
    options o;
    const std::map<std::string, std::string*> strings{{"--cert", &o.cert}, {"--key", &o.key}, {"--mode", &o.mode},
                                                      {"--log", &o.log},   {"--port-file", &o.port_file}};
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (const auto found = strings.find(flag); found != strings.end()) {
            *found->second = argv[i + 1];
        } else if (flag == "--delay-ms") {
            o.delay_ms = std::stoi(argv[i + 1]);
        } else if (flag == "--port") {
            o.port = static_cast<unsigned short>(std::stoi(argv[i + 1]));
        } else if (flag == "--lifetime-s") {
            o.lifetime_s = std::stoi(argv[i + 1]);
        } else {
            std::fprintf(stderr, "fake_google: unknown flag %s\n", flag.c_str());
            return 2;
        }
    }
    asio::ssl::context tls(asio::ssl::context::tls_server);
    tls.use_certificate_chain_file(o.cert);
    tls.use_private_key_file(o.key, asio::ssl::context::pem);
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), o.port));
    {
        std::ofstream port(o.port_file + ".part");
        port << acceptor.local_endpoint().port() << "\n";
    }
    std::rename((o.port_file + ".part").c_str(), o.port_file.c_str());
    std::thread([lifetime = o.lifetime_s] {
        std::this_thread::sleep_for(std::chrono::seconds(lifetime));
        std::_Exit(0); // bounded: a forgotten server stops by itself
    }).detach();
    for (;;) {
        tcp::socket socket = acceptor.accept();
        std::thread(serve, std::cref(o), std::ref(tls), std::move(socket)).detach();
    }
}
