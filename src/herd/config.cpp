#include "herd/config.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include <boost/asio/ip/address.hpp>
#include <toml++/toml.h>

#include "herd/peer_auth.hpp"
#include "herd/peer_message.hpp"

namespace herd::config {
namespace {

// Builds messages of the form "<file>:<line>: <key>: <reason>".
class reporter {
public:
    explicit reporter(std::string source) : source_(std::move(source)) {}

    [[noreturn]] void fail(const toml::node* at, std::string_view key, std::string_view reason) const {
        std::ostringstream message;
        message << source_;
        if (at != nullptr && at->source().begin) {
            message << ':' << at->source().begin.line;
        }
        message << ": " << key << ": " << reason;
        throw config_error(message.str());
    }

    // Rejects keys of `table` not in `known`, so a typo is not silently ignored.
    void only_keys(const toml::table& table, std::string_view where,
                   std::initializer_list<std::string_view> known) const {
        for (const auto& [key, value] : table) {
            if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
                const std::string prefix = where.empty() ? "" : std::string(where) + ".";
                fail(&value, prefix + std::string(key.str()), "unknown key");
            }
        }
    }

    const std::string& source() const { return source_; }

private:
    std::string source_;
};

// Letters, digits, '-', '_' and '.', beginning with a letter or digit (a name beginning with
// '-' would read as an option on the command line `herd up` gives each member).
bool valid_member_name(std::string_view name) {
    const auto alphanumeric = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    return !name.empty() && name.size() <= 64 && alphanumeric(name.front()) &&
           std::all_of(name.begin(), name.end(),
                       [&](char c) { return alphanumeric(c) || c == '-' || c == '_' || c == '.'; });
}

std::string required_string(const reporter& r, const toml::table& table, std::string_view key,
                            std::string_view where) {
    const toml::node* node = table.get(key);
    const std::string name = std::string(where) + "." + std::string(key);
    if (node == nullptr) {
        r.fail(&table, name, "missing");
    }
    const auto value = node->value<std::string>();
    if (!value || value->empty()) {
        r.fail(node, name, "must be a non-empty string");
    }
    return *value;
}

template <typename Int>
Int integer_in(const reporter& r, const toml::node& node, std::string_view name, std::int64_t low,
               std::int64_t high) {
    const auto value = node.value<std::int64_t>();
    if (!value || *value < low || *value > high || !node.is_integer()) {
        r.fail(&node, name, "must be an integer from " + std::to_string(low) + " to " + std::to_string(high));
    }
    return static_cast<Int>(*value);
}

void read_servers(const reporter& r, const toml::table& root, herd_config& config) {
    const toml::table* servers = root["servers"].as_table();
    if (servers == nullptr || servers->empty()) {
        r.fail(root.get("servers"), "servers", "at least one [servers.NAME] table is required");
    }
    // Where members listen. Two listeners on one port clash when their addresses are equal
    // (however written: "::1" and "0::1", or "::ffff:127.0.0.1" and "127.0.0.1") or either is
    // a wildcard (0.0.0.0, ::), which takes the port on every address.
    std::vector<std::pair<boost::asio::ip::address, std::uint16_t>> endpoints;
    const auto clashes = [&endpoints](const boost::asio::ip::address& address, std::uint16_t port) {
        return std::any_of(endpoints.begin(), endpoints.end(), [&](const auto& taken) {
            return taken.second == port &&
                   (taken.first == address || taken.first.is_unspecified() || address.is_unspecified());
        });
    };
    for (const auto& [key, node] : *servers) {
        const std::string name(key.str());
        const std::string where = "servers." + name;
        const toml::table* table = node.as_table();
        if (table == nullptr) {
            r.fail(&node, where, "must be a table");
        }
        if (!valid_member_name(name)) {
            r.fail(&node, where, "a member name is 1 to 64 letters, digits, '-', '_' or '.', beginning with a letter or digit");
        }
        r.only_keys(*table, where, {"host", "port", "peer_port"});
        server_config server{name, required_string(r, *table, "host", where), 0, 0};
        boost::system::error_code not_an_address;
        auto address = boost::asio::ip::make_address(server.host, not_an_address);
        if (address.is_v6() && address.to_v6().is_v4_mapped()) {
            address = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
        }
        if (not_an_address) {
            r.fail(table->get("host"), where + ".host",
                   "must be an IP address, like \"127.0.0.1\" or \"::1\" (names are not resolved)");
        }
        const auto read_port = [&](std::string_view port_name) -> std::uint16_t {
            const toml::node* port = table->get(port_name);
            const std::string port_key = where + "." + std::string(port_name);
            const auto value = integer_in<std::uint16_t>(r, *port, port_key, 1, 65535);
            if (clashes(address, value)) {
                r.fail(port, port_key, server.host + ":" + std::to_string(value) + " is used by another listener");
            }
            endpoints.emplace_back(address, value);
            return value;
        };
        if (!table->contains("port")) {
            r.fail(table, where + ".port", "missing");
        }
        server.port = read_port("port");
        if (table->contains("peer_port")) {
            server.peer_port = read_port("peer_port");
        }
        config.servers.emplace(name, std::move(server));
    }
}

void read_herd(const reporter& r, const toml::table& root, herd_config& config) {
    const toml::node* herd_node = root.get("herd");
    if (herd_node == nullptr) {
        return; // every key of [herd] has its default
    }
    const toml::table* herd = herd_node->as_table();
    if (herd == nullptr) {
        r.fail(herd_node, "herd", "must be a table");
    }
    r.only_keys(*herd, "herd", {"log_dir", "log_level", "links", "secret_env"});
    if (herd->contains("log_dir")) {
        config.log_dir = required_string(r, *herd, "log_dir", "herd");
    }
    if (herd->contains("log_level")) {
        config.log_level = required_string(r, *herd, "log_level", "herd");
        const std::set<std::string> levels{"debug", "info", "warn", "error", "off"};
        if (!levels.contains(config.log_level)) {
            r.fail(herd->get("log_level"), "herd.log_level",
                   "unknown level '" + config.log_level + "' (known: debug, info, warn, error, off)");
        }
    }
    if (herd->contains("secret_env")) {
        config.secret_env = required_string(r, *herd, "secret_env", "herd");
        // A name `setenv` takes and a shell can set: `herd up` puts a secret it makes there.
        const bool variable_name =
            !std::isdigit(static_cast<unsigned char>(config.secret_env.front())) &&
            std::all_of(config.secret_env.begin(), config.secret_env.end(),
                        [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; });
        if (!variable_name) {
            r.fail(herd->get("secret_env"), "herd.secret_env",
                   "'" + config.secret_env + "' is not an environment variable name (letters, digits and _, "
                   "not first a digit)");
        }
    }
    const toml::node* links_node = herd->get("links");
    if (links_node == nullptr) {
        return; // a herd of one, or members without neighbours
    }
    const toml::array* links = links_node->as_array();
    if (links == nullptr) {
        r.fail(links_node, "herd.links", "must be an array of [\"A\", \"B\"] pairs");
    }
    std::set<std::pair<std::string, std::string>> seen;
    for (std::size_t i = 0; i < links->size(); ++i) {
        const toml::node& link = *links->get(i);
        const std::string where = "herd.links[" + std::to_string(i) + "]";
        const toml::array* pair = link.as_array();
        if (pair == nullptr || pair->size() != 2 || !pair->get(0)->is_string() || !pair->get(1)->is_string()) {
            r.fail(&link, where, "must be a pair of member names, like [\"Clark\", \"Bona\"]");
        }
        std::string a = *pair->get(0)->value<std::string>();
        std::string b = *pair->get(1)->value<std::string>();
        for (const std::string& name : {a, b}) {
            if (!config.servers.contains(name)) {
                r.fail(&link, where, "unknown member '" + name + "'");
            }
        }
        if (a == b) {
            r.fail(&link, where, "a member cannot link to itself");
        }
        if (!seen.emplace(std::min(a, b), std::max(a, b)).second) {
            r.fail(&link, where, "duplicate link between '" + a + "' and '" + b + "'");
        }
        config.links.emplace_back(std::move(a), std::move(b));
    }
}

// The optional table `key` of `root`: nullptr when absent; fails when it is not a table.
const toml::table* optional_table(const reporter& r, const toml::table& root, std::string_view key) {
    const toml::node* node = root.get(key);
    if (node != nullptr && !node->is_table()) {
        r.fail(node, key, "must be a table");
    }
    return node != nullptr ? node->as_table() : nullptr;
}

void read_places(const reporter& r, const toml::table& root, herd_config& config) {
    const toml::table* places = optional_table(r, root, "places");
    if (places == nullptr) {
        return;
    }
    r.only_keys(*places, "places",
                {"backend", "file", "attribution", "api_key_env", "endpoint", "ca_file", "timeout_ms", "max_concurrent"});
    places_config& out = config.places;
    const auto read_string = [&](std::string_view key, std::string& value) {
        if (places->contains(key)) {
            value = required_string(r, *places, key, "places");
        }
    };
    read_string("backend", out.backend);
    if (out.backend != "offline" && !out.is_google()) {
        r.fail(places->get("backend"), "places.backend",
               "unknown backend '" + out.backend + "' (known: offline, google, google-new)");
    }
    read_string("file", out.file);
    read_string("attribution", out.attribution);
    read_string("api_key_env", out.api_key_env);
    read_string("endpoint", out.endpoint);
    if (!out.endpoint.empty() && !out.endpoint.starts_with("https://")) {
        r.fail(places->get("endpoint"), "places.endpoint", "must be an https:// URL, like \"https://host:port\"");
    }
    read_string("ca_file", out.ca_file);
    if (const toml::node* n = places->get("timeout_ms")) {
        out.timeout = std::chrono::milliseconds(integer_in<std::int64_t>(r, *n, "places.timeout_ms", 1, 600'000));
    }
    if (const toml::node* n = places->get("max_concurrent")) {
        out.max_concurrent = integer_in<std::size_t>(r, *n, "places.max_concurrent", 1, 10'000);
    }
}

void read_limits(const reporter& r, const toml::table& root, herd_config& config) {
    const toml::table* limits = optional_table(r, root, "limits");
    if (limits == nullptr) {
        return;
    }
    r.only_keys(*limits, "limits",
                {"max_line_bytes", "idle_timeout_ms", "max_connections", "send_timeout_ms", "max_output_bytes",
                 "waiting_output_mib", "line_timeout_ms",
                 "peer_queue_bytes", "store_mib", "max_handshakes", "peer_heartbeat_ms",
                 "peer_timeout_ms", "peer_connect_timeout_ms", "peer_backoff_max_ms"});
    const auto read_ms = [&](std::string_view key, std::chrono::milliseconds& out) {
        if (const toml::node* n = limits->get(key)) {
            out = std::chrono::milliseconds(
                integer_in<std::int64_t>(r, *n, "limits." + std::string(key), 1, 86'400'000));
        }
    };
    if (const toml::node* n = limits->get("max_line_bytes")) {
        config.limits.max_line_bytes = integer_in<std::size_t>(r, *n, "limits.max_line_bytes", 64, max_line_bytes_ceiling);
    }
    read_ms("idle_timeout_ms", config.limits.idle_timeout);
    read_ms("send_timeout_ms", config.limits.send_timeout);
    read_ms("line_timeout_ms", config.limits.line_timeout);
    if (const toml::node* n = limits->get("max_output_bytes")) {
        config.limits.max_output_bytes = integer_in<std::size_t>(r, *n, "limits.max_output_bytes", 4096, 1 << 30);
    }
    if (const toml::node* n = limits->get("waiting_output_mib")) {
        config.limits.waiting_output_mib =
            integer_in<std::size_t>(r, *n, "limits.waiting_output_mib", 1, std::size_t{1} << 22);
    }
    read_ms("peer_heartbeat_ms", config.limits.peer_heartbeat);
    read_ms("peer_timeout_ms", config.limits.peer_timeout);
    read_ms("peer_connect_timeout_ms", config.limits.peer_connect_timeout);
    read_ms("peer_backoff_max_ms", config.limits.peer_backoff_max);
    if (const toml::node* n = limits->get("peer_queue_bytes")) {
        config.limits.peer_queue_bytes = integer_in<std::size_t>(r, *n, "limits.peer_queue_bytes", 4096, 1 << 30);
    }
    if (const toml::node* n = limits->get("max_handshakes")) {
        config.limits.max_handshakes = integer_in<std::size_t>(r, *n, "limits.max_handshakes", 1, 1'000'000);
    }
    if (const toml::node* n = limits->get("store_mib")) {
        config.limits.store_mib = integer_in<std::size_t>(r, *n, "limits.store_mib", 1, std::size_t{1} << 22);
    }
    // The room one client's replies and unanswered input can take (a buffer grows to twice what it holds).
    const std::size_t one_client = 2 * (config.limits.max_output_bytes + config.limits.max_line_bytes + client_read_bytes);
    if ((config.limits.waiting_output_mib << 20) < one_client) {
        r.fail(limits, "limits.waiting_output_mib",
               "must hold what one client can: twice limits.max_output_bytes, limits.max_line_bytes and a "
               "64 KiB read together (" + std::to_string(one_client) +
                   " bytes), or a client that reads would be dropped whenever its write waits");
    }
    if (config.limits.peer_timeout <= config.limits.peer_heartbeat) {
        r.fail(limits, "limits.peer_timeout_ms", "must be longer than limits.peer_heartbeat_ms");
    }
    if (const toml::node* n = limits->get("max_connections")) {
        config.limits.max_connections = integer_in<std::size_t>(r, *n, "limits.max_connections", 1, 1'000'000);
    }
}

// A member without a peer_port takes handshakes on its client port, where the HELLO that
// opens one is read under the client line limit: each must fit.
void check_handshakes_fit(const reporter& r, const toml::table& root, const herd_config& config) {
    for (const auto& [a, b] : config.links) {
        const auto& [dialer, acceptor] = std::minmax(a, b); // the lower name dials
        if (config.servers.at(acceptor).peer_port != 0) {
            continue;
        }
        const std::string hello = peer::format_hello(dialer, acceptor, std::string(2 * peer::nonce_bytes, '0'));
        const std::size_t hello_bytes = hello.size() - 1; // its LF is not counted
        if (hello_bytes > config.limits.max_line_bytes) {
            r.fail(root.get("limits"), "limits.max_line_bytes",
                   std::to_string(config.limits.max_line_bytes) + " is shorter than the " +
                       std::to_string(hello_bytes) + "-byte handshake line " + dialer + " sends " + acceptor +
                       " on its client port; raise it, or give " + acceptor + " a peer_port");
        }
    }
}

} // namespace

const server_config& herd_config::server(std::string_view name) const {
    const auto found = servers.find(std::string(name));
    if (found == servers.end()) {
        std::string known;
        for (const auto& [member, _] : servers) {
            known += (known.empty() ? "" : ", ") + member;
        }
        throw config_error(source + ": no member named '" + std::string(name) + "' (members: " + known + ")");
    }
    return found->second;
}

std::vector<std::string> herd_config::neighbours(std::string_view name) const {
    std::vector<std::string> result;
    for (const auto& [a, b] : links) {
        if (a == name) {
            result.push_back(b);
        } else if (b == name) {
            result.push_back(a);
        }
    }
    std::sort(result.begin(), result.end());
    return result;
}

std::chrono::milliseconds herd_config::shutdown_grace() const {
    constexpr std::chrono::milliseconds least{3'000};
    constexpr std::chrono::milliseconds after_a_lookup{1'000}; // to write its reply
    return places.is_google() ? std::max(least, places.timeout + after_a_lookup) : least;
}

herd_config parse_config(std::string_view toml_text, std::string source) {
    const reporter r(source);
    toml::table root;
    try {
        root = toml::parse(toml_text, source);
    } catch (const toml::parse_error& error) {
        throw config_error(source + ":" + std::to_string(error.source().begin.line) + ": " +
                           std::string(error.description()));
    }
    r.only_keys(root, "", {"herd", "servers", "places", "limits"});
    herd_config config;
    config.source = std::move(source);
    read_servers(r, root, config);
    read_herd(r, root, config);
    read_places(r, root, config);
    read_limits(r, root, config);
    check_handshakes_fit(r, root, config);
    return config;
}

herd_config load_config(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        throw config_error(path + ": cannot read the config file");
    }
    std::ostringstream text;
    text << file.rdbuf();
    return parse_config(text.str(), path);
}

} // namespace herd::config
