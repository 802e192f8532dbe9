#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herd::config {

// A config that cannot be used; what() names the file, the key and the reason.
class config_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct server_config {
    std::string name;
    std::string host;
    std::uint16_t port = 0;      // clients (and peers, when peer_port is 0)
    std::uint16_t peer_port = 0; // optional listener for peers only; 0: peers use `port`

    // Where neighbours dial this member.
    std::uint16_t port_for_peers() const { return peer_port != 0 ? peer_port : port; }
};

// The largest limits.max_line_bytes a configuration may set.
inline constexpr std::size_t max_line_bytes_ceiling = std::size_t{1} << 24;

// What a member reads from a client at once (into its one shared buffer).
inline constexpr std::size_t client_read_bytes = 64 * 1024;

// Every limit a member enforces, with its default.
struct limits_config {
    std::size_t max_line_bytes = 8192;              // longer client lines: `?` and close
    std::chrono::milliseconds idle_timeout{300'000}; // a client silent this long is closed
    std::size_t max_connections = 10'000;            // clients past this are refused
    std::chrono::milliseconds send_timeout{10'000};  // a client not taking a reply this long is dropped
    std::chrono::milliseconds line_timeout{30'000};  // a line begun must end within this (slowloris)
    std::size_t max_output_bytes = 1 << 20;          // replies buffered per client before writing
    std::size_t waiting_output_mib = 256; // held for clients whose writes wait, all together (server::waiting_output)
    std::size_t peer_queue_bytes = 8 << 20;          // a peer link queueing more (beside one record) is dropped
    std::size_t store_mib = 1024; // the records kept may cost this much (store::location_store::record_cost)
    std::size_t max_handshakes = 256;                // peer handshakes under way at once; more are refused
    std::chrono::milliseconds peer_heartbeat{500};   // an idle link sends PING this often
    std::chrono::milliseconds peer_timeout{3'000};   // a link silent (or not read) this long is dead
    std::chrono::milliseconds peer_connect_timeout{2'000}; // connect + handshake
    std::chrono::milliseconds peer_backoff_max{2'000};     // cap of the redial back-off
};

struct places_config {
    std::string backend = "offline";       // "offline", "google" (legacy Nearby Search), "google-new"
    std::string file = "data/cities.json"; // the offline gazetteer
    std::string attribution =              // shown in html_attributions (offline)
        "Place data from GeoNames (https://www.geonames.org/), licensed under CC BY 4.0";
    std::string api_key_env = "GOOGLE_PLACES_API_KEY"; // the variable holding the key (google*)
    std::string endpoint;                  // "https://host[:port]"; empty: Google's own
    std::string ca_file;                   // an extra CA bundle to trust (google*)
    std::chrono::milliseconds timeout{5'000};   // a look-up answers within this, whatever upstream does
    std::size_t max_concurrent = 16;            // upstream requests in flight at once

    bool is_google() const { return backend == "google" || backend == "google-new"; }
};

// The whole herd as one file describes it. Relative paths are relative to the
// working directory of the process.
struct herd_config {
    std::string source; // the file it came from, for messages
    std::string log_dir = "logs";
    std::string log_level = "info"; // debug | info | warn | error | off
    std::string secret_env = "HERD_SECRET"; // the environment variable holding the herd secret
    std::vector<std::pair<std::string, std::string>> links; // undirected, as written
    std::map<std::string, server_config> servers;          // by name
    places_config places;
    limits_config limits;

    // The named member, or throws config_error naming the members there are.
    const server_config& server(std::string_view name) const;

    // The members linked to `name`, sorted by name.
    std::vector<std::string> neighbours(std::string_view name) const;

    // How long a member stopping on a signal waits for its sessions to answer the lines they
    // have read: three seconds, or longer than a Google look-up may take.
    std::chrono::milliseconds shutdown_grace() const;
};

// Parses and validates TOML text; `source` names it in messages.
herd_config parse_config(std::string_view toml_text, std::string source);

// Reads and validates a config file.
herd_config load_config(const std::string& path);

} // namespace herd::config
