// A member's peer links, with the test playing the neighbour on the wire.
#include <thread>

#include <gtest/gtest.h>

#include "running_herd.hpp"

namespace herd::testing_support {
namespace {

// Alpha dials Zed (the lower name dials); the test speaks as Alpha, only Zed runs.
class peer_link_test : public testing::Test {
protected:
    explicit peer_link_test(std::string extra = "[limits]\npeer_heartbeat_ms = 100\npeer_timeout_ms = 600\n")
        : herd_({"Alpha", "Zed", "Zulu"}, {{"Alpha", "Zed"}, {"Zed", "Zulu"}}, std::move(extra)) {
        herd_.start("Zed");
    }

    // Opens a link to Zed as `from` with `hello`; returns the connection and Zed's answer.
    std::unique_ptr<line_client> link_as(const std::string& hello, std::string& answer, int receive_buffer = 0) {
        auto link = std::make_unique<line_client>(herd_.port("Zed"), receive_buffer);
        link->send(hello);
        answer = link->read_lines(1);
        return link;
    }

    // A link to Zed as Alpha, welcomed.
    std::unique_ptr<line_client> welcomed_link(int receive_buffer = 0) {
        std::string answer;
        auto link = link_as("HERD 1 HELLO Alpha Zed\n", answer, receive_buffer);
        EXPECT_EQ(answer, "HERD 1 WELCOME Zed\n");
        return link;
    }

    running_herd herd_;
};

TEST_F(peer_link_test, a_neighbour_is_welcomed_and_its_updates_are_kept_byte_for_byte) {
    const auto link = welcomed_link();
    const std::string update = "AT Alpha -0.500000000 far.client +12.5-3.25 1700000000.123456789123";
    link->send(update + "\n");
    EXPECT_TRUE(herd_.wait_for("Zed", "far.client", update));
}

TEST_F(peer_link_test, a_new_link_gets_the_whole_store_then_every_update) {
    const std::string before = herd_.iamat("Zed", "early", "+1+1", "1");
    const auto link = welcomed_link();
    EXPECT_EQ(link->read_lines(1), before + "\n");
    const std::string after = herd_.iamat("Zed", "late", "+2+2", "2");
    std::string next = link->read_lines(1);
    while (next == "PING\n") {
        next = link->read_lines(1);
    }
    EXPECT_EQ(next, after + "\n");
}

TEST_F(peer_link_test, an_update_is_not_sent_back_to_its_sender) {
    const auto link = welcomed_link();
    const std::string update = "AT Alpha +0.000000001 mine +1+1 5";
    link->send(update + "\n");
    ASSERT_TRUE(herd_.wait_for("Zed", "mine", update));
    // Only PINGs come back for a while.
    std::string received;
    link->read_to_eof(received, 500ms);
    EXPECT_EQ(received.find("mine"), std::string::npos) << received;
}

TEST_F(peer_link_test, an_idle_link_is_kept_alive_and_a_silent_one_is_dropped) {
    const auto link = welcomed_link();
    EXPECT_EQ(link->read_lines(1, 2s), "PING\n");
    // The test sends nothing: past peer_timeout_ms Zed declares the link dead and closes it.
    std::string rest;
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(link->read_to_eof(rest, 5s));
    EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);
    EXPECT_TRUE(wait_until([&] { return herd_.log("Zed").find("link with Alpha down: no traffic for 600 ms") != std::string::npos; }, 5s));
}

struct refusal_case {
    std::string hello;
    std::string reason;
};

TEST_F(peer_link_test, handshakes_that_do_not_fit_the_config_are_refused_and_nothing_is_applied) {
    const std::vector<refusal_case> cases{
        {"HERD 1 HELLO Nobody Zed", "HERD 1 REFUSED Nobody is not a neighbour of Zed\n"},
        {"HERD 2 HELLO Alpha Zed", "HERD 1 REFUSED unsupported version 2 (this member speaks 1)\n"},
        {"HERD 1 HELLO Alpha Zulu", "HERD 1 REFUSED this is Zed, not Zulu\n"},
        {"HERD 1 HELLO Zulu Zed", "HERD 1 REFUSED Zed dials Zulu, not the other way\n"},
        {"HERD 1 HELLO", "HERD 1 REFUSED malformed handshake\n"},
    };
    for (const auto& c : cases) {
        std::string answer;
        const auto link = link_as(c.hello + "\nAT Alpha +0.000000001 evil +1+1 1\n", answer);
        EXPECT_EQ(answer, c.reason) << c.hello;
        std::string rest;
        EXPECT_TRUE(link->read_to_eof(rest, 5s)) << c.hello;
    }
    EXPECT_EQ(herd_.kept("Zed", "evil"), "? WHATSAT evil 0 0");
}

TEST_F(peer_link_test, a_malformed_message_ends_the_link_and_changes_nothing) {
    const auto link = welcomed_link();
    link->send("AT Alpha +0.1 bad +1+1 1\n");
    std::string rest;
    EXPECT_TRUE(link->read_to_eof(rest, 5s));
    EXPECT_EQ(herd_.kept("Zed", "bad"), "? WHATSAT bad 0 0");
    EXPECT_TRUE(wait_until([&] { return herd_.log("Zed").find("unexpected message: AT Alpha +0.1 bad") != std::string::npos; }, 5s));
}

class slow_peer_test : public peer_link_test {
protected:
    slow_peer_test() : peer_link_test("[limits]\npeer_queue_bytes = 4096\npeer_timeout_ms = 60000\n") {}
};

TEST_F(slow_peer_test, a_neighbour_that_does_not_read_loses_its_link_not_the_member) {
    const auto link = welcomed_link(4096);
    line_client client(herd_.port("Zed"));
    const auto dropped = [&] { return herd_.log("Zed").find("link with Alpha down: send queue over 4096 bytes") != std::string::npos; };
    // Bounded: at most 200 batches of 1,000 IAMATs (about 12 MB), or 30 s.
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    int batches = 0;
    while (!dropped() && batches < 200 && std::chrono::steady_clock::now() < deadline) {
        std::string batch;
        for (int i = 0; i < 1000; ++i) {
            batch += "IAMAT c" + std::to_string(batches * 1000 + i) + " +1+1 1\n";
        }
        client.send(batch);
        client.read_lines(1000);
        ++batches;
    }
    EXPECT_TRUE(wait_until(dropped, 5s)) << "after " << batches << " batches";
    client.send("IAMAT still.served +1+1 1\n");
    EXPECT_TRUE(client.read_lines(1).starts_with("AT Zed "));
}

} // namespace
} // namespace herd::testing_support
