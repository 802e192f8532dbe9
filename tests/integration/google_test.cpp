// The Google backends against a local HTTPS server that speaks Google's formats.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "../file_text.hpp"
#include "herd_process.hpp"

namespace herd::testing_support {
namespace {

namespace json = boost::json;

constexpr const char* api_key = "test-key-5ecret-0123456789";
const std::string ucla = "+34.068930-118.445127";

// A throwaway certificate for 127.0.0.1, made with the openssl command.
void make_certificate(const scratch_dir& dir) {
    const std::string command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
                                " -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
                                dir.file("key.pem") + " -out " + dir.file("cert.pem") + " 2>/dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

class google_test : public testing::Test {
protected:
    google_test() { ::setenv("HERD_TEST_PLACES_KEY", api_key, 1); }

    // Starts the fake server in `mode` and a member whose backend is `backend` pointed at it.
    void start(const std::string& backend, const std::string& mode, const std::string& places_extra = "",
               int delay_ms = 0) {
        make_certificate(dir_);
        start_fake(mode, delay_ms);
        const std::string endpoint = "https://127.0.0.1:" + std::to_string(fake_port());
        start_member(backend, "endpoint = \"" + endpoint + "\"\nca_file = \"" + dir_.file("cert.pem") + "\"\n" +
                                  places_extra);
    }

    // (Re)starts the fake server in `mode`, on `port` (0: a free one), with the certificate made.
    void start_fake(const std::string& mode, int delay_ms = 0, int port = 0) {
        fake_.reset();
        std::remove(dir_.file("port").c_str());
        fake_ = std::make_unique<herd_process>(
            std::vector<std::string>{"--cert", dir_.file("cert.pem"), "--key", dir_.file("key.pem"), "--mode", mode,
                                     "--log", dir_.file("requests.jsonl"), "--port-file", dir_.file("port"),
                                     "--delay-ms", std::to_string(delay_ms), "--port", std::to_string(port)},
            dir_.path(), "fake_google", "/dev/null", FAKE_GOOGLE_BINARY);
        ASSERT_TRUE(wait_until([&] { return !dir_.read("port").empty(); }, 10s)) << fake_->err();
    }

    int fake_port() const { return std::stoi(dir_.read("port")); }

    void start_member(const std::string& backend, const std::string& places_keys) {
        herd_.extra = limits_;
        herd_.write_config(dir_);
        std::string text = dir_.read("herd.toml");
        text.replace(text.find("backend = \"offline\""), 19,
                     "backend = \"" + backend + "\"\napi_key_env = \"HERD_TEST_PLACES_KEY\"\n" + places_keys);
        dir_.write("herd.toml", text);
        member_ = testing_support::start_member("Clark", port(), dir_.file("herd.toml"), dir_.path());
        line_client client(port());
        client.send("IAMAT kiwi.cs.ucla.edu " + ucla + " 1621464827.959498503\n");
        at_line_ = client.read_lines(1);
    }

    std::uint16_t port() const { return herd_.ports.at("Clark"); }

    // The JSON of a WHATSAT reply (after checking its framing).
    json::object whatsat(const std::string& line, std::chrono::milliseconds timeout = 10s) {
        line_client client(port());
        client.send(line + "\n");
        const std::string reply = client.read_until("\n\n", timeout);
        EXPECT_TRUE(reply.starts_with(at_line_)) << reply;
        EXPECT_TRUE(reply.ends_with("}\n\n")) << reply;
        if (!reply.starts_with(at_line_)) {
            return {};
        }
        const std::string body = reply.substr(at_line_.size());
        EXPECT_EQ(body.find("\n\n"), body.size() - 2) << body;
        return json::parse(body).as_object();
    }

    std::vector<json::object> requests() const {
        std::vector<json::object> result;
        std::istringstream lines(dir_.read("requests.jsonl"));
        for (std::string line; std::getline(lines, line);) {
            result.push_back(json::parse(line).as_object());
        }
        return result;
    }

    std::string member_log() const { return dir_.read("logs/Clark.log"); }

    scratch_dir dir_;
    std::string limits_; // a [limits] table for the member, if any
    test_herd herd_ = make_test_herd({"Clark"});
    std::unique_ptr<herd_process> fake_;
    std::unique_ptr<herd_process> member_;
    std::string at_line_;
};

TEST_F(google_test, legacy_sends_the_exact_request_and_cuts_results_to_the_bound) {
    start("google", "legacy");
    const auto reply = whatsat("WHATSAT kiwi.cs.ucla.edu 10 5");
    EXPECT_EQ(reply.at("status").as_string(), "OK");
    EXPECT_EQ(reply.at("results").as_array().size(), 5u);
    EXPECT_EQ(reply.at("results").as_array()[0].at("name").as_string(), "Place 0");
    EXPECT_EQ(reply.at("next_page_token").as_string(), "token-123"); // other keys kept
    EXPECT_EQ(reply.at("html_attributions").as_array()[0].as_string(), "Fake data");
    const auto sent = requests();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].at("method").as_string(), "GET");
    EXPECT_EQ(sent[0].at("target").as_string(),
              std::string("/maps/api/place/nearbysearch/json?location=34.06893,-118.445127&radius=10000&key=") + api_key);
}

TEST_F(google_test, new_api_sends_the_exact_request_and_maps_places_to_the_legacy_shape) {
    start("google-new", "new");
    const auto reply = whatsat("WHATSAT kiwi.cs.ucla.edu 2.5 3");
    EXPECT_EQ(reply.at("status").as_string(), "OK");
    const auto& results = reply.at("results").as_array();
    ASSERT_EQ(results.size(), 3u);
    const auto& first = results[0].as_object();
    EXPECT_EQ(first.at("name").as_string(), "New Place 0");
    EXPECT_EQ(first.at("place_id").as_string(), "fake-new-0");
    EXPECT_EQ(first.at("vicinity").as_string(), "Avenue 0");
    EXPECT_DOUBLE_EQ(first.at("geometry").at("location").at("lat").as_double(), 34.07);
    EXPECT_DOUBLE_EQ(first.at("geometry").at("location").at("lng").as_double(), -118.44);
    EXPECT_EQ(first.at("types").as_array()[0].as_string(), "cafe");
    EXPECT_DOUBLE_EQ(first.at("rating").as_double(), 4.5);
    EXPECT_FALSE(results[1].as_object().contains("rating"));
    EXPECT_TRUE(reply.at("html_attributions").as_array().empty());

    const auto sent = requests();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].at("method").as_string(), "POST");
    EXPECT_EQ(sent[0].at("target").as_string(), "/v1/places:searchNearby");
    EXPECT_EQ(sent[0].at("api_key").as_string(), api_key);
    EXPECT_EQ(sent[0].at("content_type").as_string(), "application/json");
    EXPECT_EQ(sent[0].at("field_mask").as_string(),
              "places.id,places.displayName,places.location,places.types,places.shortFormattedAddress,places.rating");
    const auto body = json::parse(sent[0].at("body").as_string()).as_object();
    const auto& circle = body.at("locationRestriction").at("circle");
    EXPECT_DOUBLE_EQ(circle.at("center").at("latitude").as_double(), 34.06893);
    EXPECT_DOUBLE_EQ(circle.at("center").at("longitude").as_double(), -118.445127);
    EXPECT_DOUBLE_EQ(circle.at("radius").to_number<double>(), 2500);
    EXPECT_EQ(body.at("maxResultCount").to_number<int>(), 3);
}

TEST_F(google_test, the_key_never_reaches_the_log) {
    start("google", "legacy");
    whatsat("WHATSAT kiwi.cs.ucla.edu 10 5");
    member_->signal(SIGTERM);
    member_->wait();
    const std::string log = member_log();
    EXPECT_NE(log.find("places: GET /maps/api/place/nearbysearch/json?location=34.06893,-118.445127&radius=10000&key=REDACTED"),
              std::string::npos)
        << log;
    EXPECT_EQ(log.find(api_key), std::string::npos);
}

struct failure_case {
    std::string backend;
    std::string mode;
    std::string status;
    std::string message; // a part of error_message
};

TEST_F(google_test, upstream_failures_become_the_protocol_error_reply) {
    const std::vector<failure_case> cases{
        {"google", "legacy-denied", "REQUEST_DENIED", "The provided API key is invalid."},
        {"google-new", "new-denied", "REQUEST_DENIED", "API key not valid."},
        {"google", "http-500", "UNKNOWN_ERROR", "upstream answered HTTP 500"},
        {"google", "bad-json", "UNKNOWN_ERROR", "something other than a Places reply"},
        {"google-new", "bad-json", "UNKNOWN_ERROR", "something other than a Places reply"},
        {"google", "huge", "UNKNOWN_ERROR", "larger than"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.backend + " " + c.mode);
        member_.reset();
        fake_.reset();
        start(c.backend, c.mode);
        const auto reply = whatsat("WHATSAT kiwi.cs.ucla.edu 10 5");
        EXPECT_EQ(reply.at("status").as_string(), c.status);
        EXPECT_TRUE(reply.at("results").as_array().empty());
        EXPECT_NE(std::string(reply.at("error_message").as_string()).find(c.message), std::string::npos)
            << reply.at("error_message").as_string();
    }
}

TEST_F(google_test, a_hanging_upstream_is_answered_within_the_timeout_and_stalls_nobody) {
    start("google", "hang", "timeout_ms = 800\n");
    line_client waiting(port());
    const auto asked = std::chrono::steady_clock::now();
    waiting.send("WHATSAT kiwi.cs.ucla.edu 10 5\n");
    // Meanwhile another client is served at once.
    line_client other(port());
    other.send("IAMAT other +1+1 1\n");
    EXPECT_TRUE(other.read_lines(1, 500ms).starts_with("AT Clark "));
    const std::string reply = waiting.read_until("\n\n", 5s);
    const auto took = std::chrono::steady_clock::now() - asked;
    EXPECT_GE(took, 700ms);
    EXPECT_LT(took, 3s);
    EXPECT_NE(reply.find("\"status\" : \"UNKNOWN_ERROR\""), std::string::npos) << reply;
    EXPECT_NE(reply.find("upstream timed out after 800 ms"), std::string::npos) << reply;
}

TEST_F(google_test, pipelined_lookups_that_outlast_the_timeouts_are_all_answered) {
    // Three look-ups, each timing out upstream after 400 ms: answering them takes 1.2 s, three
    // times the line and idle timeouts, which are the client's time to finish a line and to
    // say something, not the member's to answer. The first line comes in two writes 100 ms
    // apart, so its clock is running when the answering starts.
    limits_ = "[limits]\nline_timeout_ms = 400\nidle_timeout_ms = 400\n";
    start("google", "hang", "timeout_ms = 400\n");
    line_client client(port());
    client.send("WHATSAT kiwi.cs.ucla.edu 10 5");
    std::this_thread::sleep_for(100ms);
    client.send("\nWHATSAT kiwi.cs.ucla.edu 10 4\nWHATSAT kiwi.cs.ucla.edu 10 3\n");
    std::string replies;
    EXPECT_TRUE(client.read_to_eof(replies, 5s)); // answered, then idle: closed
    EXPECT_EQ(testing_files::count_of(replies, "upstream timed out after 400 ms"), 3u) << replies;
    EXPECT_TRUE(replies.ends_with("}\n\n"));
    EXPECT_EQ(member_log().find("line not finished"), std::string::npos);
}

// Replies of one read go out in one write, but not behind a look-up upstream: what is ready
// once a look-up ends is written before the next one starts.
TEST_F(google_test, replies_ready_do_not_wait_behind_the_next_look_up_upstream) {
    start("google", "hang", "timeout_ms = 700\n");
    line_client client(port());
    const auto asked = std::chrono::steady_clock::now();
    client.send("IAMAT early +1+1 1\nWHATSAT kiwi.cs.ucla.edu 10 5\nWHATSAT kiwi.cs.ucla.edu 10 4\n");
    const std::string first = client.read_until("\n\n", 5s); // the IAMAT's and the first look-up's
    const auto took = std::chrono::steady_clock::now() - asked;
    EXPECT_TRUE(first.starts_with("AT Clark ")) << first;
    EXPECT_NE(first.find("upstream timed out after 700 ms"), std::string::npos) << first;
    EXPECT_LT(took, 1300ms) << "written only once the second look-up ended (1,400 ms)";
    const std::string second = client.read_until("\n\n", 5s);
    EXPECT_NE(second.find("upstream timed out after 700 ms"), std::string::npos) << second;
}

// So `herd send` hears from the member at least once per look-up: pipelined look-ups that
// together outlast its timeout, each within it, are all answered.
TEST_F(google_test, send_waits_out_pipelined_look_ups_that_each_answer_within_its_timeout) {
    start("google", "hang", "timeout_ms = 400\n");
    const std::string lines = "WHATSAT kiwi.cs.ucla.edu 10 5\nWHATSAT kiwi.cs.ucla.edu 10 4\nWHATSAT kiwi.cs.ucla.edu 10 3\n";
    const auto result =
        run_herd({"send", "Clark", "--config", dir_.file("herd.toml"), "--timeout-ms", "900"}, dir_.path(), lines, 20s);
    EXPECT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(testing_files::count_of(result.out, "upstream timed out"), 3u) << result.out;
}

TEST_F(google_test, sigterm_answers_lookups_already_read_before_exiting) {
    start("google", "legacy", "", 700);
    line_client waiting(port());
    waiting.send("WHATSAT kiwi.cs.ucla.edu 10 5\n");
    ASSERT_TRUE(wait_until([&] { return requests().size() == 1; }, 5s)); // upstream is answering slowly
    member_->signal(SIGTERM);
    std::string all;
    EXPECT_TRUE(waiting.read_to_eof(all, 5s));
    EXPECT_TRUE(all.starts_with(at_line_)) << all;
    EXPECT_NE(all.find("\"status\" : \"OK\""), std::string::npos) << all;
    EXPECT_TRUE(all.ends_with("}\n\n"));
    EXPECT_EQ(member_->wait(5s), 0);
}

TEST_F(google_test, a_refused_upstream_is_an_error_reply) {
    start_member("google", "endpoint = \"https://127.0.0.1:" + std::to_string(free_port()) + "\"\n");
    const auto reply = whatsat("WHATSAT kiwi.cs.ucla.edu 10 5");
    EXPECT_EQ(reply.at("status").as_string(), "UNKNOWN_ERROR");
    EXPECT_NE(std::string(reply.at("error_message").as_string()).find("cannot connect to upstream"), std::string::npos);
}

TEST_F(google_test, an_untrusted_certificate_is_a_tls_error_reply) {
    make_certificate(dir_);
    start_fake("legacy");
    // No ca_file: the throwaway certificate is not trusted.
    start_member("google", "endpoint = \"https://127.0.0.1:" + std::to_string(fake_port()) + "\"\n");
    const auto reply = whatsat("WHATSAT kiwi.cs.ucla.edu 10 5");
    EXPECT_EQ(reply.at("status").as_string(), "UNKNOWN_ERROR");
    EXPECT_NE(std::string(reply.at("error_message").as_string()).find("TLS handshake with upstream failed"),
              std::string::npos)
        << reply.at("error_message").as_string();
    EXPECT_TRUE(requests().empty());
}

TEST_F(google_test, identical_concurrent_lookups_make_one_upstream_request) {
    start("google", "legacy", "", 500);
    std::vector<std::unique_ptr<line_client>> clients;
    for (int i = 0; i < 8; ++i) {
        clients.push_back(std::make_unique<line_client>(port()));
        clients.back()->send("WHATSAT kiwi.cs.ucla.edu 10 5\n");
    }
    std::string first;
    for (auto& client : clients) {
        const std::string reply = client->read_until("\n\n", 10s);
        EXPECT_TRUE(reply.ends_with("}\n\n"));
        if (first.empty()) {
            first = reply;
        }
        EXPECT_EQ(reply, first);
    }
    EXPECT_EQ(requests().size(), 1u);
    // A different look-up is a different request.
    whatsat("WHATSAT kiwi.cs.ucla.edu 10 4");
    EXPECT_EQ(requests().size(), 2u);
}

// A legacy request does not carry the bound: look-ups in flight at once that differ only in
// it share the request, and each gets at most its own bound.
TEST_F(google_test, concurrent_lookups_with_other_bounds_share_a_request_and_keep_their_bounds) {
    start("google", "legacy", "", 500);
    std::vector<std::unique_ptr<line_client>> clients;
    for (const int bound : {7, 2, 5}) {
        clients.push_back(std::make_unique<line_client>(port()));
        clients.back()->send("WHATSAT kiwi.cs.ucla.edu 10 " + std::to_string(bound) + "\n");
    }
    std::vector<std::size_t> counts;
    for (auto& client : clients) {
        const std::string reply = client->read_until("\n\n", 10s);
        ASSERT_TRUE(reply.starts_with(at_line_)) << reply;
        counts.push_back(boost::json::parse(reply.substr(at_line_.size())).at("results").as_array().size());
    }
    EXPECT_EQ(counts, (std::vector<std::size_t>{7, 2, 5}));
    EXPECT_EQ(requests().size(), 1u);
}

// An interim response (a proxy's or a CDN's 103 Early Hints) comes before the answer on the
// same connection: it is skipped, and the connection, left at the end of the answer, is reused.
TEST_F(google_test, an_interim_response_before_the_answer_is_skipped) {
    start("google", "early-hints");
    for (const char* lookup : {"WHATSAT kiwi.cs.ucla.edu 10 5", "WHATSAT kiwi.cs.ucla.edu 11 3"}) {
        const auto reply = whatsat(lookup);
        EXPECT_EQ(reply.at("status").as_string(), "OK") << lookup << ": " << json::serialize(reply);
    }
    const auto sent = requests();
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[0].at("connection"), sent[1].at("connection"));
}

TEST_F(google_test, connections_are_kept_alive_and_reused) {
    start("google", "legacy");
    whatsat("WHATSAT kiwi.cs.ucla.edu 10 5");
    whatsat("WHATSAT kiwi.cs.ucla.edu 11 5");
    const auto sent = requests();
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[0].at("connection"), sent[1].at("connection"));
}

// Pooled connections that upstream has closed meanwhile (here: it restarted) cost a look-up
// one failed try at most: the second goes on a fresh connection.
TEST_F(google_test, a_pool_of_connections_upstream_has_closed_costs_one_try_at_most) {
    start("google", "legacy", "", 300);
    {
        line_client a(port());
        line_client b(port());
        a.send("WHATSAT kiwi.cs.ucla.edu 10 5\n");
        b.send("WHATSAT kiwi.cs.ucla.edu 11 5\n"); // another request: a second connection
        ASSERT_TRUE(a.read_until("\n\n", 10s).ends_with("}\n\n"));
        ASSERT_TRUE(b.read_until("\n\n", 10s).ends_with("}\n\n"));
    }
    ASSERT_EQ(requests().size(), 2u);
    ASSERT_NE(requests()[0].at("connection"), requests()[1].at("connection")) << "both went on one connection";
    start_fake("legacy", 0, fake_port()); // the pooled two are closed now
    const auto reply = whatsat("WHATSAT kiwi.cs.ucla.edu 12 5");
    EXPECT_EQ(reply.at("status").as_string(), "OK") << json::serialize(reply);
}

TEST_F(google_test, sigterm_answers_a_lookup_that_outlasts_three_seconds) {
    // The grace for answering what was read covers a look-up's whole timeout.
    start("google", "hang", "timeout_ms = 4000\n");
    line_client waiting(port());
    waiting.send("WHATSAT kiwi.cs.ucla.edu 10 5\n");
    ASSERT_TRUE(wait_until([&] { return requests().size() == 1; }, 5s));
    member_->signal(SIGTERM);
    std::string all;
    EXPECT_TRUE(waiting.read_to_eof(all, 10s));
    EXPECT_NE(all.find("upstream timed out after 4000 ms"), std::string::npos) << all;
    EXPECT_EQ(member_->wait(10s), 0);
}

TEST_F(google_test, a_stop_forced_while_lookups_wait_upstream_ends_cleanly) {
    // Three look-ups of 2 s each, read at once, outlast the 3 s grace: the loop is stopped
    // with one waiting upstream, and the member still exits as it should.
    start("google", "hang", "timeout_ms = 2000\n");
    line_client waiting(port());
    waiting.send("WHATSAT kiwi.cs.ucla.edu 10 5\nWHATSAT kiwi.cs.ucla.edu 10 4\nWHATSAT kiwi.cs.ucla.edu 10 3\n");
    ASSERT_TRUE(wait_until([&] { return requests().size() == 1; }, 5s));
    member_->signal(SIGTERM);
    EXPECT_EQ(member_->wait(10s), 0) << member_->err();
}

TEST_F(google_test, concurrent_upstream_requests_are_bounded) {
    start("google", "legacy", "max_concurrent = 1\n", 200);
    std::vector<std::unique_ptr<line_client>> clients;
    for (int i = 1; i <= 3; ++i) {
        clients.push_back(std::make_unique<line_client>(port()));
        clients.back()->send("WHATSAT kiwi.cs.ucla.edu " + std::to_string(i) + " 5\n");
    }
    for (auto& client : clients) {
        EXPECT_NE(client->read_until("\n\n", 10s).find("\"status\" : \"OK\""), std::string::npos);
    }
    const auto sent = requests();
    ASSERT_EQ(sent.size(), 3u);
    for (const auto& request : sent) {
        EXPECT_EQ(request.at("in_flight").as_int64(), 1) << "more than one request upstream at once";
    }
}

TEST_F(google_test, a_google_backend_without_a_key_does_not_start) {
    ::unsetenv("HERD_TEST_PLACES_KEY");
    herd_.write_config(dir_);
    std::string text = dir_.read("herd.toml");
    text.replace(text.find("backend = \"offline\""), 19, "backend = \"google\"\napi_key_env = \"HERD_TEST_PLACES_KEY\"");
    dir_.write("herd.toml", text);
    const auto result = run_herd({"serve", "Clark", "--config", dir_.file("herd.toml")}, dir_.path());
    EXPECT_EQ(result.status, 2);
    EXPECT_NE(result.err.find("needs an API key in the environment variable HERD_TEST_PLACES_KEY"), std::string::npos)
        << result.err;
}

} // namespace
} // namespace herd::testing_support
