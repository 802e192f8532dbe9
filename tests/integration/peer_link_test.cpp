// A member's peer links, with the test playing the neighbour on the wire.
#include <atomic>
#include <csignal>
#include <cstdint>
#include <fstream>
#include <functional>
#include <sstream>
#include <stop_token>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "herd/peer_auth.hpp"
#include "store/location_store.hpp"
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

    // Opens a link to Zed as Alpha and answers Zed's challenge with `proof_for(nonce)` (the
    // right proof by default). Returns the connection; `answer` gets Zed's last line.
    std::unique_ptr<line_client> authenticate(
        std::string& answer, int receive_buffer = 0,
        const std::function<std::string(const std::string&)>& proof_for = nullptr) {
        const std::string nonce = "0123456789abcdef0123456789abcdef";
        auto link = link_as("HERD 3 HELLO Alpha Zed " + nonce + "\n", answer, receive_buffer);
        std::istringstream fields(answer);
        std::string magic, version, word, name, zed_nonce, zed_proof;
        fields >> magic >> version >> word >> name >> zed_nonce >> zed_proof;
        EXPECT_EQ(word, "CHALLENGE") << answer;
        // Zed proves it holds the secret before Alpha shows anything.
        EXPECT_EQ(zed_proof, peer::acceptor_proof(test_secret, "Alpha", "Zed", nonce, zed_nonce));
        last_challenge_nonce_ = zed_nonce;
        const std::string shown =
            proof_for ? proof_for(zed_nonce) : peer::dialer_proof(test_secret, "Alpha", "Zed", nonce, zed_nonce);
        link->send("HERD 3 PROOF " + shown + "\n");
        answer = link->read_lines(1);
        return link;
    }

    // A link to Zed as Alpha, welcomed; Zed's DIGEST line (its first) goes to zed_digest_.
    std::unique_ptr<line_client> welcomed_link(int receive_buffer = 0) {
        std::string answer;
        auto link = authenticate(answer, receive_buffer);
        EXPECT_EQ(answer, "HERD 3 WELCOME Zed\n");
        zed_digest_ = link->read_lines(1);
        EXPECT_TRUE(zed_digest_.starts_with("DIGEST ")) << zed_digest_;
        return link;
    }

    // Sends Zed, through `client`, up to `batches` batches of 1,000 IAMATs (about 55 KB of
    // updates for each neighbour) until `enough()`, for 30 s at most; the number sent.
    static int flood(line_client& client, int batches, const std::function<bool()>& enough = [] { return false; }) {
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        int batch = 0;
        for (; batch < batches && !enough() && std::chrono::steady_clock::now() < deadline; ++batch) {
            std::string lines;
            for (int i = 0; i < 1000; ++i) {
                lines += "IAMAT flood." + std::to_string(batch * 1000 + i) + " +1+1 1\n";
            }
            client.send(lines);
            client.read_lines(1000);
        }
        return batch;
    }

    // Sends `lines` on a welcomed link; expects Zed to end the link, to know nothing of
    // `client`, and to log `logged`.
    void expect_link_ended(const std::string& lines, const std::string& client, const std::string& logged) {
        const auto link = welcomed_link();
        link->send(lines);
        std::string rest;
        EXPECT_TRUE(link->read_to_eof(rest, 5s));
        EXPECT_EQ(herd_.kept("Zed", client), "? WHATSAT " + client + " 0 0");
        EXPECT_TRUE(wait_until([&] { return herd_.log("Zed").find(logged) != std::string::npos; }, 5s)) << logged;
    }

    // A DIGEST line for an empty store, or one that differs from `base` in `bucket` only.
    static std::string digest_line(const std::string& base = "", std::size_t bucket = SIZE_MAX) {
        std::string hex = base.empty() ? std::string(store::location_store::bucket_count * 16, '0')
                                       : base.substr(7, store::location_store::bucket_count * 16);
        if (bucket != SIZE_MAX) {
            hex[bucket * 16] = hex[bucket * 16] == 'f' ? '0' : 'f';
        }
        return "DIGEST " + hex + "\n";
    }

    std::string zed_digest_;

    std::string last_challenge_nonce_;

    running_herd herd_;
};

TEST_F(peer_link_test, a_neighbour_is_welcomed_and_its_updates_are_kept_byte_for_byte) {
    const auto link = welcomed_link();
    const std::string update = "AT Alpha -0.500000000 far.client +12.5-3.25 1700000000.123456789123";
    link->send(update + "\n");
    EXPECT_TRUE(herd_.wait_for("Zed", "far.client", update));
}

// In a herd the same update often comes by two links. A copy of the record Zed keeps is logged
// like any update, changes nothing and keeps the link; what comes after it is handled as ever.
TEST_F(peer_link_test, a_copy_of_a_kept_record_changes_nothing_and_keeps_the_link) {
    const auto link = welcomed_link();
    const std::string update = "AT Alpha +0.100000000 copied +1+1 1700000000.5";
    link->send(update + "\n" + update + "\n" + update + "\n");
    ASSERT_TRUE(herd_.wait_for("Zed", "copied", update));
    const std::string newer = "AT Alpha +0.100000000 copied +2+2 1700000001.5";
    link->send(newer + "\n");
    EXPECT_TRUE(herd_.wait_for("Zed", "copied", newer));
    link->send(update + "\n"); // older now: refused by the merge as before
    link->send("AT Alpha +0.100000000 another +3+3 1\n");
    EXPECT_TRUE(herd_.wait_for("Zed", "another", "AT Alpha +0.100000000 another +3+3 1"));
    EXPECT_TRUE(herd_.wait_for("Zed", "copied", newer));
    const auto heard = [&] { // entries for the five lines about `copied` (the log is written in batches)
        const std::string log = herd_.log("Zed");
        std::size_t n = 0;
        const std::string entry = "debug link Alpha < AT Alpha +0.100000000 copied";
        for (std::size_t at = log.find(entry); at != std::string::npos; at = log.find(entry, at + 1)) {
            ++n;
        }
        return n;
    };
    EXPECT_TRUE(wait_until([&] { return heard() >= 5; }, 5s));
    EXPECT_EQ(heard(), 5u);
    EXPECT_EQ(herd_.log("Zed").find("link with Alpha down"), std::string::npos);
    EXPECT_EQ(herd_.links_up("Zed", "Alpha"), 1u);
}

TEST_F(peer_link_test, a_new_link_gets_the_records_it_lacks_then_every_update) {
    const std::string before = herd_.iamat("Zed", "early", "+1+1", "1");
    const auto link = welcomed_link();
    link->send(digest_line()); // Alpha holds nothing
    EXPECT_EQ(link->read_lines(1), before + "\n");
    // A client in the bucket catch-up just sent.
    std::string late = "late";
    for (int i = 0; store::location_store::bucket_of(late) != store::location_store::bucket_of("early"); ++i) {
        late = fmt::format("late{}", i);
    }
    const std::string after = herd_.iamat("Zed", late, "+2+2", "2");
    std::string next = link->read_lines(1);
    while (next == "PING\n") {
        next = link->read_lines(1);
    }
    EXPECT_EQ(next, after + "\n");
    // Once caught up, the link sends a new record once, by flooding, never again by catch-up.
    std::string rest;
    link->read_to_eof(rest, 500ms);
    EXPECT_EQ(rest.find("AT "), std::string::npos) << rest.substr(0, 200);
}

TEST_F(peer_link_test, catch_up_sends_only_the_buckets_whose_digests_differ) {
    for (int i = 0; i < 300; ++i) {
        herd_.iamat("Zed", fmt::format("c{}", i), "+1+1", "1");
    }
    {
        // Equal digests: nothing but PINGs comes.
        const auto link = welcomed_link();
        link->send(zed_digest_);
        std::string received;
        link->read_to_eof(received, 500ms);
        EXPECT_EQ(received.find("AT "), std::string::npos) << received.substr(0, 200);
    }
    // One bucket differs: exactly the records of that bucket come.
    const std::size_t bucket = store::location_store::bucket_of("c7");
    std::size_t in_bucket = 0;
    for (int i = 0; i < 300; ++i) {
        in_bucket += store::location_store::bucket_of(fmt::format("c{}", i)) == bucket ? 1 : 0;
    }
    const auto link = welcomed_link();
    link->send(digest_line(zed_digest_, bucket));
    std::string received;
    link->read_to_eof(received, 500ms);
    std::size_t records = 0;
    std::istringstream lines(received);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream fields(line);
        std::string at, origin, difference, client;
        fields >> at >> origin >> difference >> client;
        if (at == "AT") {
            ++records;
            EXPECT_EQ(store::location_store::bucket_of(client), bucket) << line;
        }
    }
    EXPECT_EQ(records, in_bucket);
    EXPECT_GT(in_bucket, 0u);
}

// Under steady load a link always has updates queued when a write ends. Catch-up that waited
// for an empty queue would wait as long as the load lasts, and the neighbour would lack every
// idle client's record meanwhile.
// The test's side of the link sends nothing while it reads: Zed must not time it out meanwhile
// (a sanitizer build reads far slower than 600 ms allows).
class busy_link_test : public peer_link_test {
protected:
    busy_link_test() : peer_link_test("[limits]\npeer_heartbeat_ms = 100\npeer_timeout_ms = 60000\n") {}
};

TEST_F(busy_link_test, catch_up_finishes_while_updates_flood_without_a_pause) {
    constexpr int old_clients = 20'000;
    {
        line_client seeder(herd_.port("Zed"));
        for (int batch = 0; batch < old_clients / 1000; ++batch) {
            std::string lines;
            for (int i = 0; i < 1000; ++i) {
                lines += fmt::format("IAMAT old{} +1+1 1\n", batch * 1000 + i);
            }
            seeder.send(lines);
            seeder.read_lines(1000, 10s);
        }
    }
    const auto link = welcomed_link();
    // Two clients keep Zed flooding without a pause: each keeps two batches of 500 IAMATs in
    // flight, sending the next before it reads the replies to the one before, for at most
    // 1,000 batches (20 s or so on this machine) or until told to stop.
    std::atomic<bool> stop{false};
    std::atomic<int> finished{0};
    const auto blast = [&](int which) {
        line_client client(herd_.port("Zed"));
        const auto batch = [which](int round) {
            std::string lines;
            for (int i = 0; i < 500; ++i) {
                lines += fmt::format("IAMAT hot{}-{}-{} +1+1 1\n", which, round, i);
            }
            return lines;
        };
        client.send(batch(0));
        for (int round = 1; !stop && round < 1000; ++round) {
            client.send(batch(round));
            client.read_lines(500, 10s); // the replies to the batch before
        }
        ++finished;
    };
    std::thread first(blast, 1);
    std::thread second(blast, 2);
    std::this_thread::sleep_for(200ms); // the floods are under way
    link->send(digest_line());          // Alpha holds nothing: every old record is owed
    std::size_t old_seen = 0;
    std::size_t hot_seen = 0;
    std::string received;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (old_seen < old_clients && std::chrono::steady_clock::now() < deadline) {
        if (!link->read_available(received, 1s)) {
            break;
        }
        std::size_t line_start = 0;
        for (std::size_t end; (end = received.find('\n', line_start)) != std::string::npos; line_start = end + 1) {
            const std::string_view line(received.data() + line_start, end - line_start);
            old_seen += line.find(" old") != std::string_view::npos ? 1 : 0;
            hot_seen += line.find(" hot") != std::string_view::npos ? 1 : 0;
        }
        received.erase(0, line_start);
    }
    const bool still_flooding = finished == 0;
    stop = true;
    first.join();
    second.join();
    EXPECT_EQ(old_seen, static_cast<std::size_t>(old_clients)) << hot_seen << " updates flooded meanwhile";
    EXPECT_TRUE(still_flooding) << "the floods ended before catch-up did: the test proved nothing";
    EXPECT_GT(hot_seen, 0u);
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

TEST_F(peer_link_test, a_handshake_under_way_when_the_member_stops_brings_up_no_link) {
    // A client that does not read its replies keeps Zed running a while after SIGTERM (at
    // most three seconds): about 14 MB of WHATSAT replies, more than the sockets hold.
    line_client hog(herd_.port("Zed"), 4096);
    hog.send("IAMAT k +34.068930-118.445127 1\n");
    hog.read_lines(1);
    std::string flood;
    for (int i = 0; i < 2000; ++i) {
        flood += "WHATSAT k 50 20\n";
    }
    hog.send(flood);
    // Zed stops between its challenge and the test's proof.
    std::string answer;
    const auto link = authenticate(answer, 0, [&](const std::string& zed_nonce) {
        herd_.process("Zed").signal(SIGTERM);
        EXPECT_TRUE(wait_until([&] { return herd_.log("Zed").find("Zed stopping on signal") != std::string::npos; }, 5s));
        return peer::dialer_proof(test_secret, "Alpha", "Zed", "0123456789abcdef0123456789abcdef", zed_nonce);
    });
    EXPECT_EQ(answer, "HERD 3 REFUSED member stopping\n");
    EXPECT_EQ(herd_.log("Zed").find("link with Alpha up"), std::string::npos);
}

// Whatever answers at a neighbour's address may refuse with any bytes: they reach the log
// escaped, so they cannot forge an entry or drive a terminal.
TEST_F(peer_link_test, a_refusal_s_reason_is_logged_escaped) {
    // Zed dials Zulu (the lower name dials); the test answers at Zulu's port.
    const scripted_server zulu(herd_.port("Zulu"), 0ms, "HERD 3 REFUSED no\r2026-01-01 fake entry\x1b[2K\xff\n");
    ASSERT_TRUE(zulu.listening());
    EXPECT_TRUE(wait_until([&] { return herd_.log("Zed").find("link with Zulu: refused: no") != std::string::npos; },
                           10s));
    const std::string log = herd_.log("Zed");
    EXPECT_NE(log.find(R"(refused: no\r2026-01-01 fake entry\x1b[2K\xff;)"), std::string::npos) << log;
    EXPECT_EQ(log.find('\r'), std::string::npos);
    EXPECT_EQ(log.find('\x1b'), std::string::npos);
}

TEST_F(peer_link_test, a_stranger_s_fields_quoted_in_a_refusal_are_logged_escaped) {
    // The version, `from` and `to` fields are quoted in the reason; the field splitter keeps
    // out CR, LF and tab, but not the bytes that drive a terminal.
    std::string answer;
    const auto link = link_as("HERD \x1b[2K\xff HELLO \x1b]0;x\x07 Zed n\n", answer);
    EXPECT_EQ(answer.rfind("HERD 3 REFUSED unsupported version \x1b[2K\xff", 0), 0u) << answer;
    EXPECT_TRUE(wait_until([&] { return herd_.log("Zed").find("unsupported version") != std::string::npos; }, 10s));
    const std::string log = herd_.log("Zed");
    EXPECT_NE(log.find(R"(peer handshake refused: unsupported version \x1b[2K\xff (this member speaks 3): HERD)"),
              std::string::npos)
        << log;
    EXPECT_EQ(log.find('\x1b'), std::string::npos);
    EXPECT_EQ(log.find('\xff'), std::string::npos);
}

struct refusal_case {
    std::string hello;
    std::string reason;
};

TEST_F(peer_link_test, handshakes_that_do_not_fit_the_config_are_refused_and_nothing_is_applied) {
    const std::vector<refusal_case> cases{
        {"HERD 3 HELLO Nobody Zed n", "HERD 3 REFUSED Nobody is not a neighbour of Zed\n"},
        {"HERD 2 HELLO Alpha Zed n", "HERD 3 REFUSED unsupported version 2 (this member speaks 3)\n"},
        {"HERD 3 HELLO Alpha Zulu n", "HERD 3 REFUSED this is Zed, not Zulu\n"},
        {"HERD 3 HELLO Zulu Zed n", "HERD 3 REFUSED Zed dials Zulu, not the other way\n"},
        {"HERD 3 HELLO Alpha Zed", "HERD 3 REFUSED malformed handshake\n"},
        {"HERD 3 HELLO Alpha Zed " + std::string(1000, 'a'),
         "HERD 3 REFUSED malformed nonce (32 lowercase hex digits expected)\n"},
        {"HERD 3 HELLO Alpha Zed 0123456789ABCDEF0123456789abcdef",
         "HERD 3 REFUSED malformed nonce (32 lowercase hex digits expected)\n"},
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

TEST_F(peer_link_test, a_wrong_proof_is_refused_and_nothing_it_sends_is_applied) {
    std::string answer;
    const auto link = authenticate(answer, 0, [](const std::string& zed_nonce) {
        return peer::dialer_proof("not-the-secret", "Alpha", "Zed", "0123456789abcdef0123456789abcdef", zed_nonce);
    });
    EXPECT_EQ(answer, "HERD 3 REFUSED authentication failed\n");
    try {
        link->send("AT Alpha +0.000000001 forged +1+1 1\n");
    } catch (const std::runtime_error&) {
    }
    std::string rest;
    EXPECT_TRUE(link->read_to_eof(rest, 5s));
    EXPECT_EQ(herd_.kept("Zed", "forged"), "? WHATSAT forged 0 0");
}

TEST_F(peer_link_test, a_recorded_proof_cannot_be_replayed) {
    std::string recorded;
    {
        std::string answer;
        const auto first = authenticate(answer, 0, [&](const std::string& zed_nonce) {
            recorded = peer::dialer_proof(test_secret, "Alpha", "Zed", "0123456789abcdef0123456789abcdef", zed_nonce);
            return recorded;
        });
        ASSERT_EQ(answer, "HERD 3 WELCOME Zed\n");
    }
    std::string answer;
    const auto second = authenticate(answer, 0, [&](const std::string&) { return recorded; });
    EXPECT_EQ(answer, "HERD 3 REFUSED authentication failed\n");
}

TEST_F(peer_link_test, a_malformed_message_ends_the_link_and_changes_nothing) {
    expect_link_ended("AT Alpha +0.1 bad +1+1 1\n", "bad", "unexpected message: AT Alpha +0.1 bad");
}

// Each handshake under way holds a socket until it ends or times out, and one taken over from
// the client port no longer counts against limits.max_connections: without a bound, stalled
// HELLOs could take every descriptor the member has. Past limits.max_handshakes, a HELLO is
// refused at once; a slot is free again as soon as its handshake ends (here long before the
// 30 s connect timeout would end it).
class handshake_cap_test : public peer_link_test {
protected:
    handshake_cap_test()
        : peer_link_test("[limits]\nmax_handshakes = 8\npeer_connect_timeout_ms = 30000\npeer_timeout_ms = 60000\n") {}
};

TEST_F(handshake_cap_test, handshakes_under_way_are_bounded_and_their_slots_come_back) {
    std::vector<std::unique_ptr<line_client>> stalled;
    std::size_t challenged = 0;
    std::size_t refused = 0;
    for (int i = 0; i < 12; ++i) {
        std::string answer;
        stalled.push_back(link_as("HERD 3 HELLO Alpha Zed 0123456789abcdef0123456789abcdef\n", answer));
        if (answer.starts_with("HERD 3 CHALLENGE Zed ")) {
            ++challenged;
        } else {
            EXPECT_EQ(answer, "HERD 3 REFUSED too many handshakes under way\n");
            ++refused;
        }
    }
    EXPECT_EQ(challenged, 8u);
    EXPECT_EQ(refused, 4u);
    EXPECT_EQ(herd_.iamat("Zed", "bystander", "+1+1", "1").substr(0, 7), "AT Zed ");
    stalled.clear(); // each handshake ends at its connection's end
    std::string answer;
    EXPECT_TRUE(wait_until(
        [&] {
            link_as("HERD 3 HELLO Alpha Zed 0123456789abcdef0123456789abcdef\n", answer);
            return answer.starts_with("HERD 3 CHALLENGE Zed ");
        },
        5s))
        << answer;
    // The log is written by a thread of its own: the entry may come a moment after the refusal.
    EXPECT_TRUE(wait_until(
        [&] {
            return herd_.log("Zed").find("peer handshake refused: 8 under way already (1 refused so far") !=
                   std::string::npos;
        },
        5s));
}

// A link's DIGEST is its first line. Each DIGEST would restart catch-up from the first slot, so
// a neighbour repeating it (4 KiB each) could have the whole store sent again and again.
TEST_F(peer_link_test, a_second_digest_ends_the_link) {
    herd_.iamat("Zed", "known", "+1+1", "1");
    const auto link = welcomed_link();
    link->send(zed_digest_);
    link->send(digest_line()); // as if Alpha held nothing: without the rule, Zed's record would come
    std::string rest;
    EXPECT_TRUE(link->read_to_eof(rest, 5s));
    EXPECT_EQ(rest.find("AT "), std::string::npos) << rest.substr(0, 200);
    EXPECT_TRUE(wait_until([&] { return herd_.log("Zed").find("link with Alpha down: a second DIGEST") != std::string::npos; }, 5s));
}

TEST_F(peer_link_test, a_malformed_digest_ends_the_link_and_nothing_after_it_is_kept) {
    expect_link_ended("DIGEST 00ff\nAT Alpha +0.500000000 after.digest +1+1 1700000001\n", "after.digest",
                      "link with Alpha down: malformed digest");
}

// A neighbour that restarts dials again before its old link has timed out: the new link takes
// over at once, and the old one is closed.
TEST_F(peer_link_test, a_new_link_from_a_neighbour_replaces_its_old_one) {
    const auto old_link = welcomed_link();
    const auto new_link = welcomed_link();
    const std::string update = "AT Alpha +0.500000000 on.new.link +1+1 1700000001";
    new_link->send(update + "\n"); // at once: the test sends no PING, and the link times out at 600 ms
    EXPECT_TRUE(herd_.wait_for("Zed", "on.new.link", update));
    std::string rest;
    EXPECT_TRUE(old_link->read_to_eof(rest, 5s));
    EXPECT_TRUE(wait_until([&] { return herd_.log("Zed").find("link with Alpha down: replaced by a new link") != std::string::npos; }, 5s));
}

// Zed dials Zulu; a challenge that is not in Zulu's name, or whose nonce is not one, is not
// answered with a proof.
TEST_F(peer_link_test, a_challenge_in_another_member_s_name_or_with_a_malformed_nonce_is_not_answered) {
    const std::string proof(64, 'a');
    for (const std::string& challenge : {"HERD 3 CHALLENGE Mallory 0123456789abcdef0123456789abcdef " + proof,
                                        "HERD 3 CHALLENGE Zulu 0 " + proof}) {
        const scripted_server zulu(herd_.port("Zulu"), 0ms, challenge + "\n");
        ASSERT_TRUE(zulu.listening());
        const std::string logged = "link with Zulu: handshake failed: unexpected answer " + challenge.substr(0, 100);
        EXPECT_TRUE(wait_until([&] { return herd_.log("Zed").find(logged) != std::string::npos; }, 10s)) << logged;
    }
}

// Updates that arrive together are handled one by one in order: each before a line that ends
// the link is kept, none after it.
TEST_F(peer_link_test, updates_sent_together_are_kept_up_to_a_line_that_ends_the_link) {
    const auto link = welcomed_link();
    const std::string first = "AT Alpha +0.500000000 together.1 +1+1 1700000001";
    const std::string second = "AT Alpha +0.500000000 together.2 +1+1 1700000002";
    const std::string after = "AT Alpha +0.500000000 together.3 +1+1 1700000003";
    link->send(first + "\n" + second + "\nAT Alpha +0.1 bad +1+1 1\n" + after + "\n");
    std::string rest;
    EXPECT_TRUE(link->read_to_eof(rest, 5s));
    EXPECT_EQ(herd_.kept("Zed", "together.1"), first);
    EXPECT_EQ(herd_.kept("Zed", "together.2"), second);
    EXPECT_EQ(herd_.kept("Zed", "together.3"), "? WHATSAT together.3 0 0");
}

// A HELLO opens a handshake slot for limits.peer_connect_timeout_ms at most: a dialer that
// never shows its proof loses the connection then.
class handshake_deadline_test : public peer_link_test {
protected:
    handshake_deadline_test() : peer_link_test("[limits]\npeer_connect_timeout_ms = 300\n") {}
};

TEST_F(handshake_deadline_test, a_dialer_that_shows_no_proof_in_time_is_dropped) {
    std::string answer;
    const auto started = std::chrono::steady_clock::now();
    const auto link = link_as("HERD 3 HELLO Alpha Zed 0123456789abcdef0123456789abcdef\n", answer);
    EXPECT_TRUE(answer.starts_with("HERD 3 CHALLENGE Zed ")) << answer;
    std::string rest;
    EXPECT_TRUE(link->read_to_eof(rest, 5s));
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_GE(took, 250ms);
    EXPECT_LT(took, 3s);
    EXPECT_TRUE(rest.empty()) << rest;
    EXPECT_TRUE(wait_until([&] { return herd_.log("Zed").find("link with Alpha: handshake failed: no proof in time") != std::string::npos; }, 5s));
}

class full_store_link_test : public peer_link_test {
protected:
    // The test's side of the link sends no PING: Zed must not time it out meanwhile.
    full_store_link_test() : peer_link_test("[limits]\nstore_mib = 1\npeer_heartbeat_ms = 100\npeer_timeout_ms = 60000\n") {}
};

// Updates a full store cannot keep are dropped, with a warning; the link stays up and carries
// on with what the store can take (a newer record of a client it keeps). Without that, the
// store's refusal (it throws) ended the link's reading coroutine and left it up but dead.
TEST_F(full_store_link_test, updates_a_full_store_cannot_keep_are_dropped_and_the_link_goes_on) {
    const auto link = welcomed_link();
    constexpr int clients = 20'000; // about 1.3 MiB of records
    std::string updates;
    for (int i = 0; i < clients; ++i) {
        updates += fmt::format("AT Alpha +0.100000000 c{:05} +1+1 1\n", i);
    }
    link->send(updates);
    const std::string later = "AT Alpha +0.100000000 c00000 +2+2 2";
    link->send(later + "\n");
    EXPECT_TRUE(herd_.wait_for("Zed", "c00000", later));
    EXPECT_EQ(herd_.kept("Zed", fmt::format("c{:05}", clients - 1)), fmt::format("? WHATSAT c{:05} 0 0", clients - 1));
    EXPECT_TRUE(wait_until([&] { return herd_.log("Zed").find("(1 refused so far") != std::string::npos; }, 5s));
    EXPECT_NE(herd_.log("Zed").find("warning an update from Alpha for client c"), std::string::npos);
    EXPECT_EQ(herd_.log("Zed").find("link with Alpha down"), std::string::npos);
    EXPECT_EQ(herd_.links_up("Zed", "Alpha"), 1u);
}

class slow_peer_test : public peer_link_test {
protected:
    slow_peer_test() : peer_link_test("[limits]\npeer_queue_bytes = 4096\npeer_timeout_ms = 60000\n") {}
};

TEST_F(slow_peer_test, a_neighbour_that_does_not_read_loses_its_link_not_the_member) {
    const auto link = welcomed_link(4096);
    line_client client(herd_.port("Zed"));
    const auto dropped = [&] { return herd_.log("Zed").find("link with Alpha down: send queue over 4096 bytes") != std::string::npos; };
    const int batches = flood(client, 200, dropped); // about 11 MB at most
    EXPECT_TRUE(wait_until(dropped, 5s)) << "after " << batches << " batches";
    client.send("IAMAT still.served +1+1 1\n");
    EXPECT_TRUE(client.read_lines(1).starts_with("AT Zed "));
}

// PINGs show the neighbour is there, not that it reads: one whose link takes nothing for
// limits.peer_timeout_ms loses it, though its backlog is far below limits.peer_queue_bytes.
class unread_link_test : public peer_link_test {
protected:
    // The queue bound far above what the tests flood, so only the rule under test can end a link.
    unread_link_test()
        : peer_link_test("[limits]\npeer_heartbeat_ms = 100\npeer_timeout_ms = 1000\npeer_queue_bytes = 67108864\n") {}

    // Batches enough to fill the kernel's largest send buffer (tcp_wmem's maximum) with 2 MB
    // to spare, so that a write to a neighbour that reads little or nothing waits.
    static int batches_past_send_buffer() {
        std::ifstream limits("/proc/sys/net/ipv4/tcp_wmem");
        long low = 0, initial = 0, most = 4 << 20;
        limits >> low >> initial >> most;
        return static_cast<int>((most + (2 << 20)) / 50'000) + 1;
    }
};

TEST_F(unread_link_test, a_neighbour_that_pings_but_does_not_read_loses_its_link) {
    const auto link = welcomed_link(4096);
    std::jthread pings([&](const std::stop_token& stop) {
        try {
            while (!stop.stop_requested()) { // about the heartbeat, as a live neighbour would: never silent
                link->send("PING\n");
                std::this_thread::sleep_for(100ms);
            }
        } catch (const std::runtime_error&) { // the link is gone
        }
    });
    line_client client(herd_.port("Zed"));
    const auto dropped = [&] { return herd_.log("Zed").find("link with Alpha down: neighbour not reading") != std::string::npos; };
    const int sent = flood(client, 2 * batches_past_send_buffer(), dropped);
    EXPECT_TRUE(wait_until(dropped, 5s)) << "after " << sent << " batches";
    pings.request_stop();
    client.send("IAMAT still.served +1+1 1\n");
    EXPECT_TRUE(client.read_lines(1).starts_with("AT Zed "));
}

// A neighbour that reads, however slowly, keeps its link: the kernel may take a waiting write's
// bytes only a third of a send buffer at a time, seconds apart at a slow reader's pace.
TEST_F(unread_link_test, a_neighbour_that_reads_slowly_keeps_its_link) {
    const auto link = welcomed_link(4096);
    // Alpha, for 5 s (five times the timeout): a PING and a read of what is there (a few KiB)
    // every 100 ms or so.
    std::size_t received = 0;
    std::string failure;
    std::jthread alpha([&] {
        try {
            for (int turn = 0; turn < 50; ++turn) {
                link->send("PING\n");
                std::string bytes;
                if (!link->read_available(bytes, 100ms)) {
                    failure = "link closed";
                    return;
                }
                received += bytes.size();
                std::this_thread::sleep_for(100ms);
            }
        } catch (const std::runtime_error& error) {
            failure = error.what();
        }
    });
    // Meanwhile more updates for Alpha than the kernel's buffers hold (so a write waits), and
    // far more than Alpha takes in 5 s.
    line_client client(herd_.port("Zed"));
    flood(client, batches_past_send_buffer());
    alpha.join();
    EXPECT_EQ(failure, "") << "after " << received << " bytes";
    EXPECT_GT(received, 0u);
    EXPECT_EQ(herd_.log("Zed").find("link with Alpha down"), std::string::npos) << "after " << received << " bytes";
}

class keepalive_test : public peer_link_test {
protected:
    keepalive_test() : peer_link_test("[limits]\npeer_heartbeat_ms = 400\npeer_timeout_ms = 3000\n") {}
};

// A PING goes a heartbeat after the link's last write, whenever that write was: an idle link
// is never silent for much more than a heartbeat, so a timeout a little longer is safe.
TEST_F(keepalive_test, an_idle_link_pings_a_heartbeat_after_its_last_write) {
    const auto link = welcomed_link();
    link->send(zed_digest_); // nothing to catch up
    line_client client(herd_.port("Zed"));
    // Six updates from Zed, 900 ms apart: 100 ms later each time against a 400 ms cycle, so
    // they fall at every point of it. After each, the link is idle until a PING.
    std::chrono::milliseconds longest_silence{0};
    for (int update = 1; update <= 6; ++update) {
        client.send("IAMAT k +1+1 " + std::to_string(update) + "\n");
        client.read_lines(1);
        const std::string flooded = " k +1+1 " + std::to_string(update) + "\n";
        std::string line = link->read_lines(1, 2s);
        for (int pings = 0; pings < 10 && line == "PING\n"; ++pings) { // sent before the update
            line = link->read_lines(1, 2s);
        }
        ASSERT_TRUE(line.ends_with(flooded)) << line;
        const auto updated = std::chrono::steady_clock::now();
        link->send("PING\n"); // Zed hears from the test too
        EXPECT_EQ(link->read_lines(1, 2s), "PING\n");
        longest_silence = std::max(longest_silence, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                        std::chrono::steady_clock::now() - updated));
        std::this_thread::sleep_for(900ms - (std::chrono::steady_clock::now() - updated));
    }
    // A heartbeat (400 ms) plus slack for a loaded machine; checking only once a heartbeat, a
    // member stays silent for up to two (800 ms), and six updates at 100 ms steps of the cycle
    // meet that worst case.
    EXPECT_LT(longest_silence, 700ms);
}

class bursty_peer_test : public peer_link_test {
protected:
    bursty_peer_test()
        : peer_link_test(without_asan_quarantine("[limits]\npeer_timeout_ms = 60000\npeer_queue_bytes = 67108864\n")) {}
};

TEST_F(bursty_peer_test, a_link_gives_back_its_send_buffers_once_a_burst_has_gone_out) {
    const auto link = welcomed_link(4096);
    link->send(zed_digest_); // nothing to catch up
    const pid_t zed = herd_.process("Zed").pid();
    const long before = resident_kib(zed);
    // 200,000 newer reports of one client (one record, replaced in place) while Alpha does not
    // read: about 9 MB for Alpha, more than the sockets hold, so megabytes wait in Zed's queue.
    line_client client(herd_.port("Zed"));
    for (int batch = 0; batch < 200; ++batch) {
        std::string lines;
        for (int i = 1; i <= 1000; ++i) {
            lines += fmt::format("IAMAT burst +1+1 {}\n", batch * 1000 + i);
        }
        client.send(lines);
        client.read_lines(1000);
    }
    const long peak = resident_kib(zed);
    EXPECT_GT(peak - before, 3 * 1024) << "the burst did not queue";
    EXPECT_TRUE(link->read_until(" burst +1+1 200000\n", 30s).ends_with(" burst +1+1 200000\n"));
    // Most of what the burst took comes back (a few pages of other buffers may stay).
    EXPECT_TRUE(wait_until([&] { return resident_kib(zed) - before < (peak - before) / 3; }, 5s))
        << "before " << before << " KiB, peak " << peak << " KiB, now " << resident_kib(zed) << " KiB";
}

TEST_F(bursty_peer_test, a_link_gives_back_what_one_long_line_took_once_it_is_taken) {
    const auto link = welcomed_link();
    link->send(zed_digest_);
    const pid_t zed = herd_.process("Zed").pid();
    const long before = resident_kib(zed);
    // An 8 MB AT line (a client time with a very long fraction), kept, then replaced by a
    // short one: the link's input buffer and the record's block are both free again.
    const std::string huge = "AT Alpha +0.000000001 huge +1+1 1." + std::string(8'000'000, '7');
    link->send(huge + "\n");
    ASSERT_TRUE(wait_until([&] { return herd_.kept("Zed", "huge").size() == huge.size(); }, 10s));
    const long peak = resident_kib(zed);
    EXPECT_GT(peak - before, 6 * 1024) << "the record does not hold its line";
    const std::string small = "AT Alpha +0.000000001 huge +1+1 2";
    link->send(small + "\n");
    ASSERT_TRUE(herd_.wait_for("Zed", "huge", small));
    EXPECT_TRUE(wait_until([&] { return resident_kib(zed) - before < (peak - before) / 3; }, 5s))
        << "before " << before << " KiB, peak " << peak << " KiB, now " << resident_kib(zed) << " KiB";
}

} // namespace
} // namespace herd::testing_support
