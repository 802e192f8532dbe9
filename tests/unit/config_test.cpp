#include "herd/config.hpp"

#include <gtest/gtest.h>

namespace herd::config {
namespace {

constexpr const char* minimal = R"(
[herd]
log_dir = "logs"
links = [["Clark","Jaquez"], ["Clark","Bona"]]

[servers.Clark]
host = "127.0.0.1"
port = 10003

[servers.Jaquez]
host = "127.0.0.1"
port = 10004

[servers.Bona]
host = "127.0.0.1"
port = 10001

[places]
backend = "offline"
)";

// The message parse_config throws for `text`, or "" when it accepts it.
std::string error_of(const std::string& text) {
    try {
        parse_config(text, "test.toml");
    } catch (const config_error& error) {
        return error.what();
    }
    return "";
}

TEST(config, reads_the_documented_keys) {
    const auto config = parse_config(minimal, "test.toml");
    EXPECT_EQ(config.log_dir, "logs");
    EXPECT_EQ(config.log_level, "info");
    ASSERT_EQ(config.servers.size(), 3u);
    EXPECT_EQ(config.server("Clark").port, 10003);
    EXPECT_EQ(config.server("Clark").host, "127.0.0.1");
    EXPECT_EQ(config.neighbours("Clark"), (std::vector<std::string>{"Bona", "Jaquez"}));
    EXPECT_EQ(config.neighbours("Jaquez"), (std::vector<std::string>{"Clark"}));
    EXPECT_EQ(config.places.backend, "offline");
    EXPECT_EQ(config.limits.max_line_bytes, 8192u);
    EXPECT_EQ(config.limits.store_mib, 1024u);
    EXPECT_EQ(config.limits.waiting_output_mib, 256u);
    EXPECT_EQ(config.limits.max_handshakes, 256u);
}

TEST(config, every_herd_key_has_a_default_so_the_table_may_be_left_out) {
    const auto config = parse_config("[servers.Solo]\nhost = \"127.0.0.1\"\nport = 10003\n", "t");
    EXPECT_EQ(config.log_dir, "logs");
    EXPECT_EQ(config.log_level, "info");
    EXPECT_EQ(config.secret_env, "HERD_SECRET");
    EXPECT_TRUE(config.links.empty());
    EXPECT_NE(error_of("herd = 3\n[servers.Solo]\nhost = \"127.0.0.1\"\nport = 10003\n").find("herd: must be a table"),
              std::string::npos);
}

TEST(config, the_secret_s_variable_must_be_one_a_shell_and_setenv_take) {
    const std::string servers = std::string(minimal).substr(std::string(minimal).find("[servers.Clark]"));
    EXPECT_EQ(parse_config("[herd]\nsecret_env = \"_MY_HERD_2\"\n" + servers, "t").secret_env, "_MY_HERD_2");
    for (const char* bad : {"A=B", "2SECRET", "MY-SECRET", "MY SECRET"}) {
        EXPECT_NE(error_of("[herd]\nsecret_env = \"" + std::string(bad) + "\"\n" + servers)
                      .find("herd.secret_env: '" + std::string(bad) + "' is not an environment variable name"),
                  std::string::npos)
            << bad;
    }
}

TEST(config, the_default_herd_file_is_valid) {
    const auto config = load_config(HERD_TEST_DATA "/../../config/herd.toml");
    EXPECT_EQ(config.servers.size(), 5u);
    EXPECT_EQ(config.server("Bailey").port, 10000);
    EXPECT_EQ(config.server("Jaquez").port, 10004);
    EXPECT_EQ(config.links.size(), 6u);
    EXPECT_EQ(config.neighbours("Campbell"), (std::vector<std::string>{"Bailey", "Bona", "Jaquez"}));
}

TEST(config, limits_are_configurable) {
    const auto config = parse_config(std::string(minimal) +
                                         "[limits]\nmax_line_bytes = 100\nidle_timeout_ms = 250\nmax_connections = 3\n"
                                         "send_timeout_ms = 400\nmax_output_bytes = 8192\nline_timeout_ms = 700\n"
                                         "store_mib = 2\nmax_handshakes = 9\nwaiting_output_mib = 3\n",
                                     "t");
    EXPECT_EQ(config.limits.send_timeout.count(), 400);
    EXPECT_EQ(config.limits.line_timeout.count(), 700);
    EXPECT_EQ(config.limits.max_output_bytes, 8192u);
    EXPECT_EQ(config.limits.max_line_bytes, 100u);
    EXPECT_EQ(config.limits.idle_timeout.count(), 250);
    EXPECT_EQ(config.limits.max_connections, 3u);
    EXPECT_EQ(config.limits.store_mib, 2u);
    EXPECT_EQ(config.limits.max_handshakes, 9u);
    EXPECT_EQ(config.limits.waiting_output_mib, 3u);
    EXPECT_NE(error_of(std::string(minimal) + "[limits]\nwaiting_output_mib = 0\n").find("limits.waiting_output_mib"),
              std::string::npos);
    EXPECT_NE(error_of(std::string(minimal) + "[limits]\nwaiting_output_mib = 1\n")
                  .find("limits.waiting_output_mib: must hold what one client can: twice limits.max_output_bytes, "
                        "limits.max_line_bytes and a 64 KiB read together (2244608 bytes)"),
              std::string::npos);
    EXPECT_EQ(parse_config(std::string(minimal) + "[limits]\nwaiting_output_mib = 1\nmax_output_bytes = 450560\n", "t")
                  .limits.waiting_output_mib,
              1u); // 2 x (450,560 + 8,192 + 65,536) is 1 MiB
    EXPECT_NE(error_of(std::string(minimal) + "[limits]\nwaiting_output_mib = 1\nmax_output_bytes = 450561\n"),
              "");
    EXPECT_NE(error_of(std::string(minimal) + "[limits]\nstore_mib = 0\n").find("limits.store_mib"), std::string::npos);
}

TEST(config, peer_port_is_optional_and_where_neighbours_dial) {
    std::string text = minimal;
    text.replace(text.find("port = 10003"), 12, "port = 10003\npeer_port = 11003");
    const auto config = parse_config(text, "t");
    EXPECT_EQ(config.server("Clark").peer_port, 11003);
    EXPECT_EQ(config.server("Clark").port_for_peers(), 11003);
    EXPECT_EQ(config.server("Bona").peer_port, 0);
    EXPECT_EQ(config.server("Bona").port_for_peers(), 10001);
}

TEST(config, peer_limits_are_configurable_and_checked) {
    const auto config = parse_config(std::string(minimal) +
                                         "[limits]\npeer_queue_bytes = 4096\npeer_heartbeat_ms = 50\n"
                                         "peer_timeout_ms = 200\npeer_connect_timeout_ms = 300\npeer_backoff_max_ms = 400\n",
                                     "t");
    EXPECT_EQ(config.limits.peer_queue_bytes, 4096u);
    EXPECT_EQ(config.limits.peer_heartbeat.count(), 50);
    EXPECT_EQ(config.limits.peer_timeout.count(), 200);
    EXPECT_EQ(config.limits.peer_connect_timeout.count(), 300);
    EXPECT_EQ(config.limits.peer_backoff_max.count(), 400);
    EXPECT_NE(error_of(std::string(minimal) + "[limits]\npeer_heartbeat_ms = 500\npeer_timeout_ms = 500\n")
                  .find("limits.peer_timeout_ms: must be longer than limits.peer_heartbeat_ms"),
              std::string::npos);
    EXPECT_NE(error_of(std::string(minimal) + "[limits]\npeer_queue_bytes = 10\n").find("limits.peer_queue_bytes"),
              std::string::npos);
}

TEST(config, a_host_must_be_an_ip_address) {
    std::string text = minimal;
    text.replace(text.find("host = \"127.0.0.1\"\nport = 10004"), 18, "host = \"localhost\"");
    EXPECT_NE(error_of(text).find("servers.Jaquez.host: must be an IP address, like \"127.0.0.1\" or \"::1\" "
                                  "(names are not resolved)"),
              std::string::npos)
        << error_of(text);
    text = minimal;
    text.replace(text.find("host = \"127.0.0.1\"\nport = 10004"), 18, "host = \"::1\"");
    EXPECT_EQ(error_of(text), "");
}

// A member without a peer_port reads a neighbour's HELLO as a client line.
TEST(config, a_handshake_read_on_a_client_port_must_fit_the_line_limit) {
    const std::string pair = R"(
[herd]
log_dir = "logs"
links = [["Campbell-west", "Jaquez-east"]]

[servers.Campbell-west]
host = "127.0.0.1"
port = 10002

[servers.Jaquez-east]
host = "127.0.0.1"
port = 10004

[places]
backend = "offline"
)";
    // "HERD 3 HELLO Campbell-west Jaquez-east " and a 32-digit nonce: 71 bytes.
    EXPECT_NE(error_of(pair + "[limits]\nmax_line_bytes = 70\n")
                  .find("limits.max_line_bytes: 70 is shorter than the 71-byte handshake line Campbell-west sends "
                        "Jaquez-east on its client port; raise it, or give Jaquez-east a peer_port"),
              std::string::npos)
        << error_of(pair + "[limits]\nmax_line_bytes = 70\n");
    EXPECT_EQ(error_of(pair + "[limits]\nmax_line_bytes = 71\n"), "");
    std::string with_peer_port = pair;
    with_peer_port.insert(with_peer_port.find("port = 10004"), "peer_port = 10014\n");
    EXPECT_EQ(error_of(with_peer_port + "[limits]\nmax_line_bytes = 64\n"), "");
}

TEST(config, google_places_keys_are_read_and_checked) {
    std::string text = minimal;
    text.replace(text.find("backend = \"offline\""), 19,
                 "backend = \"google-new\"\napi_key_env = \"MY_KEY\"\nendpoint = \"https://127.0.0.1:8443\"\n"
                 "ca_file = \"ca.pem\"\ntimeout_ms = 750\nmax_concurrent = 3");
    const auto config = parse_config(text, "t");
    EXPECT_TRUE(config.places.is_google());
    EXPECT_EQ(config.places.backend, "google-new");
    EXPECT_EQ(config.places.api_key_env, "MY_KEY");
    EXPECT_EQ(config.places.endpoint, "https://127.0.0.1:8443");
    EXPECT_EQ(config.places.ca_file, "ca.pem");
    EXPECT_EQ(config.places.timeout.count(), 750);
    EXPECT_EQ(config.places.max_concurrent, 3u);
    EXPECT_EQ(parse_config(minimal, "t").places.api_key_env, "GOOGLE_PLACES_API_KEY");

    std::string plain = minimal;
    plain.replace(plain.find("backend = \"offline\""), 19, "backend = \"google\"\nendpoint = \"http://x\"");
    EXPECT_NE(error_of(plain).find("places.endpoint: must be an https:// URL"), std::string::npos) << error_of(plain);
}

TEST(config, unknown_member_lookup_names_the_members) {
    const auto config = parse_config(minimal, "test.toml");
    try {
        config.server("Nobody");
        FAIL();
    } catch (const config_error& error) {
        EXPECT_STREQ(error.what(), "test.toml: no member named 'Nobody' (members: Bona, Clark, Jaquez)");
    }
}

struct bad_case {
    std::string from;
    std::string to;
    std::string message; // a part of the expected message
};

TEST(config, rejects_invalid_configs_with_file_key_and_reason) {
    const std::vector<bad_case> cases{
        {R"(["Clark","Bona"]])", R"(["Clark","Nobody"]])", "herd.links[1]: unknown member 'Nobody'"},
        {R"(["Clark","Bona"]])", R"(["Bona","Bona"]])", "herd.links[1]: a member cannot link to itself"},
        {R"(["Clark","Bona"]])", R"(["Jaquez","Clark"]])", "herd.links[1]: duplicate link"},
        {R"(["Clark","Bona"]])", R"(["Clark"]])", "herd.links[1]: must be a pair"},
        {"port = 10001", "port = 10004", "servers.Jaquez.port: 127.0.0.1:10004 is used by another listener"},
        {"port = 10001", "port = 10001\npeer_port = 10003", "servers.Clark.port: 127.0.0.1:10003 is used by another listener"},
        {"host = \"127.0.0.1\"\nport = 10004", "host = \"0.0.0.0\"\nport = 10001",
         "servers.Jaquez.port: 0.0.0.0:10001 is used by another listener"}, // the wildcard takes 127.0.0.1 too
        {"host = \"127.0.0.1\"\nport = 10004", "host = \"::ffff:127.0.0.1\"\nport = 10001",
         "servers.Jaquez.port: ::ffff:127.0.0.1:10001 is used by another listener"},
        {"port = 10001", "port = 70000", "servers.Bona.port: must be an integer from 1 to 65535"},
        {"port = 10001", "port = \"10001\"", "servers.Bona.port: must be an integer"},
        {"port = 10001\n", "\n", "servers.Bona.port: missing"},
        {"host = \"127.0.0.1\"\nport = 10001", "port = 10001", "servers.Bona.host: missing"},
        {"backend = \"offline\"", "backend = \"carrier-pigeon\"", "places.backend: unknown backend"},
        {"log_dir = \"logs\"", "log_dir = \"logs\"\nlog_dri = 1", "herd.log_dri: unknown key"},
        {"log_dir = \"logs\"", "log_dir = \"logs\"\nlog_level = \"loud\"", "herd.log_level: unknown level 'loud'"},
        {"[servers.Bona]", "[servers.\"Bo na\"]", "a member name is"},
        {"[servers.Bona]", "[servers.-Bona]", "beginning with a letter or digit"}, // `herd serve -Bona` is an option
        {"[places]", "[placez]", "placez: unknown key"},
        {"[herd]", "[herd", "test.toml:2:"},
    };
    for (const auto& c : cases) {
        std::string text = minimal;
        const auto at = text.find(c.from);
        ASSERT_NE(at, std::string::npos) << c.from;
        text.replace(at, c.from.size(), c.to);
        const std::string message = error_of(text);
        EXPECT_NE(message.find(c.message), std::string::npos) << "got: " << message << "\nwanted: " << c.message;
        EXPECT_EQ(message.rfind("test.toml", 0), 0u) << message;
    }
}

TEST(config, messages_carry_the_line) {
    std::string text = minimal;
    text.replace(text.find("port = 10004"), 12, "port = 0");
    EXPECT_NE(error_of(text).find("test.toml:12: servers.Jaquez.port"), std::string::npos) << error_of(text);
}

TEST(config, missing_file_is_a_clear_error) {
    try {
        load_config("/nonexistent/herd.toml");
        FAIL();
    } catch (const config_error& error) {
        EXPECT_STREQ(error.what(), "/nonexistent/herd.toml: cannot read the config file");
    }
}

} // namespace
} // namespace herd::config
