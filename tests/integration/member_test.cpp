// The real `herd serve` process, spoken to over TCP on loopback.
#include <csignal>
#include <filesystem>
#include <regex>
#include <sstream>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "geo/distance.hpp"
#include "herd_process.hpp"

namespace herd::testing_support {
namespace {

class member_test : public testing::Test {
protected:
    void start(const std::string& extra = "") {
        herd_.extra = extra;
        config_ = herd_.write_config(dir_);
        member_ = start_member("Clark", port(), config_, dir_.path());
    }
    std::uint16_t port() const { return herd_.ports.at("Clark"); }

    scratch_dir dir_;
    test_herd herd_ = make_test_herd({"Clark"});
    std::string config_;
    std::unique_ptr<herd_process> member_;
};

const std::string ucla = "+34.068930-118.445127";

// The WHATSAT replies (each ends in "}\n\n") in `received`.
std::size_t whatsat_replies_in(const std::string& received) {
    std::size_t replies = 0;
    for (std::size_t at = received.find("}\n\n"); at != std::string::npos; at = received.find("}\n\n", at + 1)) {
        ++replies;
    }
    return replies;
}

// `count` lines asking what is near client k, each answered with about 7 KB when k is at UCLA.
std::string whatsats_near_k(int count) {
    std::string lines;
    for (int i = 0; i < count; ++i) {
        lines += "WHATSAT k 50 20\n";
    }
    return lines;
}

TEST_F(member_test, iamat_gets_an_exact_at_line) {
    start();
    line_client client(port());
    const std::string time = now_seconds();
    client.send("IAMAT kiwi.cs.ucla.edu " + ucla + " " + time + "\n");
    const std::string reply = client.read_lines(1);
    const std::regex at(R"(AT Clark ([+-])(\d+)\.(\d{9}) kiwi\.cs\.ucla\.edu \+34\.068930-118\.445127 (\S+)\n)");
    std::smatch m;
    ASSERT_TRUE(std::regex_match(reply, m, at)) << reply;
    EXPECT_EQ(m[1], "+"); // the member's clock is after the client's
    EXPECT_EQ(m[2], "0"); // and within a second of it
    EXPECT_EQ(m[4], time);
}

TEST_F(member_test, time_difference_is_exact_for_a_time_in_the_future) {
    start();
    line_client client(port());
    // 4102444800 is 2100-01-01: the difference is negative and its digits are known
    // up to the arrival time, which lies between two clock readings around the call.
    const auto before = std::chrono::system_clock::now();
    client.send("IAMAT k +1+1 4102444800.000000001\n");
    const std::string reply = client.read_lines(1);
    const auto after = std::chrono::system_clock::now();
    const std::regex at(R"(AT Clark -(\d+)\.(\d{9}) k \+1\+1 4102444800\.000000001\n)");
    std::smatch m;
    ASSERT_TRUE(std::regex_match(reply, m, at)) << reply;
    const long long magnitude = std::stoll(m[1]) * 1'000'000'000 + std::stoll(m[2]);
    const long long client_ns = 4102444800'000000001;
    const auto ns = [](auto t) { return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count(); };
    EXPECT_LE(magnitude, client_ns - ns(before));
    EXPECT_GE(magnitude, client_ns - ns(after));
}

TEST_F(member_test, an_iamat_repeating_the_kept_time_is_answered_but_changes_nothing) {
    start();
    line_client client(port());
    client.send("IAMAT twice +1+1 1000\n");
    const std::string first = client.read_lines(1);
    client.send("IAMAT twice +2+2 1000\n"); // its AT line sorts higher: a later difference
    EXPECT_TRUE(client.read_lines(1).ends_with(" twice +2+2 1000\n"));
    client.send("WHATSAT twice 0 0\n");
    EXPECT_TRUE(client.read_until("\n\n").starts_with(first)) << "kept: not the first report";
}

TEST_F(member_test, whatsat_answers_with_places_from_the_offline_backend) {
    start();
    line_client client(port());
    client.send("IAMAT kiwi.cs.ucla.edu " + ucla + " " + now_seconds() + "\n");
    const std::string at_line = client.read_lines(1);
    client.send("WHATSAT kiwi.cs.ucla.edu 10 5\n");
    const std::string reply = client.read_until("\n\n");
    ASSERT_EQ(reply.substr(0, at_line.size()), at_line);
    const std::string json_text = reply.substr(at_line.size(), reply.size() - at_line.size() - 2);
    EXPECT_EQ(json_text.find("\n\n"), std::string::npos);
    EXPECT_FALSE(json_text.ends_with("\n"));
    const auto json = boost::json::parse(json_text).as_object();
    EXPECT_EQ(json.at("status").as_string(), "OK");
    EXPECT_TRUE(json.contains("html_attributions"));
    const auto& results = json.at("results").as_array();
    EXPECT_EQ(results.size(), 5u);
    for (const auto& r : results) {
        const auto& location = r.at("geometry").at("location");
        EXPECT_LE(geo::distance_km({34.068930, -118.445127},
                                   {location.at("lat").as_double(), location.at("lng").as_double()}),
                  10.0);
    }
    EXPECT_EQ(results.at(0).at("name").as_string(), "Bel Air");
}

TEST_F(member_test, whatsat_reply_arrives_in_one_piece) {
    start();
    line_client client(port());
    client.send("IAMAT k " + ucla + " 1\nWHATSAT k 50 20\n");
    // The two replies of one read go out in one write: the first read that brings anything
    // (one segment on loopback) brings both, the WHATSAT reply whole.
    std::string received;
    ASSERT_TRUE(client.read_available(received, 5s));
    ASSERT_TRUE(received.starts_with("AT ")) << received.substr(0, 100);
    EXPECT_TRUE(received.ends_with("}\n\n")) << received.size() << " bytes: " << received.substr(0, 200);
    EXPECT_GT(received.size(), 2000u);
}

TEST_F(member_test, bad_lines_get_a_question_mark_and_the_connection_lives_on) {
    start();
    line_client client(port());
    client.send("IAMAT kiwi.cs.ucla.edu +34.068930-118.445127\n"
                "  hello   world \t\r\n"
                "WHATSAT unknown.client 10 5\n"
                "AT Bona +0.1 kiwi +1+1 1\n"
                "IAMAT k +91+0 1\n"
                "WHATSAT k 51 5\n"
                "IAMAT k +1+1 1\n");
    EXPECT_EQ(client.read_lines(6), "? IAMAT kiwi.cs.ucla.edu +34.068930-118.445127\n"
                                    "? hello   world\n"
                                    "? WHATSAT unknown.client 10 5\n"
                                    "? AT Bona +0.1 kiwi +1+1 1\n"
                                    "? IAMAT k +91+0 1\n"
                                    "? WHATSAT k 51 5\n");
    EXPECT_TRUE(client.read_lines(1).starts_with("AT Clark "));
    // The injected AT line created no record.
    client.send("WHATSAT kiwi 10 5\n");
    EXPECT_EQ(client.read_lines(1), "? WHATSAT kiwi 10 5\n");
}

// A member without a peer port takes neighbours' handshakes on its client port, but only a
// well-formed HELLO opens one: any other first line, `HERD ...` too, is a client's, answered `?`.
TEST_F(member_test, a_first_line_that_only_looks_like_a_handshake_is_a_client_s_line) {
    start();
    line_client client(port());
    client.send("HERD hello\nIAMAT k +1+1 1\n");
    const std::string replies = client.read_lines(2);
    EXPECT_TRUE(replies.starts_with("? HERD hello\nAT Clark ")) << replies;
}

TEST_F(member_test, blank_lines_get_no_reply) {
    start();
    line_client client(port());
    client.send("\n \t\r\n\f\v\nIAMAT k +1+1 1\n");
    const std::string reply = client.read_lines(1);
    EXPECT_TRUE(reply.starts_with("AT Clark ")) << reply;
}

TEST_F(member_test, pipelined_commands_are_answered_in_order) {
    start();
    line_client client(port());
    std::string batch;
    for (int i = 0; i < 200; ++i) {
        batch += "IAMAT c" + std::to_string(i) + " +1+1 " + std::to_string(i + 1) + "\n";
        batch += "bogus " + std::to_string(i) + "\n";
    }
    client.send(batch);
    const std::string replies = client.read_lines(400);
    std::istringstream lines(replies);
    std::string line;
    for (int i = 0; i < 200; ++i) {
        ASSERT_TRUE(std::getline(lines, line));
        EXPECT_TRUE(line.starts_with("AT Clark ") && line.ends_with(" c" + std::to_string(i) + " +1+1 " + std::to_string(i + 1)))
            << line;
        ASSERT_TRUE(std::getline(lines, line));
        EXPECT_EQ(line, "? bogus " + std::to_string(i));
    }
}

TEST_F(member_test, lines_split_across_many_writes_are_reassembled) {
    start();
    line_client client(port());
    const std::string command = "IAMAT slow +1+1 1\n";
    for (const char c : command) {
        client.send(std::string_view(&c, 1));
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_TRUE(client.read_lines(1).ends_with(" slow +1+1 1\n"));
}

TEST_F(member_test, last_line_without_lf_is_answered_at_half_close) {
    start();
    line_client client(port());
    client.send("IAMAT k +1+1 1\nIAMAT half +2+2 2");
    client.shutdown_send();
    std::string all;
    ASSERT_TRUE(client.read_to_eof(all));
    EXPECT_NE(all.find(" k +1+1 1\n"), std::string::npos) << all;
    EXPECT_TRUE(all.ends_with(" half +2+2 2\n")) << all;
}

TEST_F(member_test, overlong_line_gets_a_question_mark_and_is_closed_and_member_carries_on) {
    start("[limits]\nmax_line_bytes = 100\n");
    {
        line_client client(port());
        client.send("IAMAT k +1+1 1\n" + std::string(150, 'x') + "\nIAMAT after +1+1 1\n");
        std::string all;
        ASSERT_TRUE(client.read_to_eof(all));
        EXPECT_TRUE(all.starts_with("AT Clark ")) << all;
        EXPECT_NE(all.find("\n? " + std::string(100, 'x') + "\n"), std::string::npos) << all;
        EXPECT_EQ(all.find("after"), std::string::npos) << all;
    }
    line_client again(port());
    again.send("WHATSAT k 1 1\n");
    EXPECT_TRUE(again.read_until("\n\n").starts_with("AT Clark ")); // the earlier update was kept
}

// After an overlong line the member waits for the client to take its replies, discarding what
// it still sends. Its watchdog must not cut that short: the line timeout (300 ms here) counts a
// line begun, and closing then, with the client still sending, would reset the connection and
// destroy the replies it has not read yet.
TEST_F(member_test, replies_before_an_overlong_line_reach_a_client_that_goes_on_sending) {
    start("[limits]\nmax_line_bytes = 100\nline_timeout_ms = 300\n");
    line_client client(port(), 4096);
    client.send("IAMAT k " + ucla + " 1\n" + whatsats_near_k(50) + std::string(150, 'x') + "\n");
    const auto until = std::chrono::steady_clock::now() + 1s;
    while (std::chrono::steady_clock::now() < until) { // the rest of its line, say, not reading
        client.send(std::string(4096, 'x'));
        std::this_thread::sleep_for(20ms);
    }
    std::string all;
    ASSERT_TRUE(client.read_to_eof(all, 10s));
    EXPECT_EQ(whatsat_replies_in(all), 50u) << all.size() << " bytes received";
    EXPECT_TRUE(all.ends_with("\n? " + std::string(100, 'x') + "\n")) << all.substr(all.size() - std::min<std::size_t>(all.size(), 200));
    EXPECT_EQ(dir_.read("logs/Clark.log").find("too slow"), std::string::npos);
}

TEST_F(member_test, overlong_line_without_lf_is_refused_too) {
    start("[limits]\nmax_line_bytes = 100\n");
    line_client client(port());
    client.send(std::string(5000, 'y'));
    std::string all;
    ASSERT_TRUE(client.read_to_eof(all));
    EXPECT_EQ(all, "? " + std::string(100, 'y') + "\n");
}

TEST_F(member_test, idle_clients_are_closed_after_the_timeout) {
    start("[limits]\nidle_timeout_ms = 300\n");
    line_client idle(port());
    std::string all;
    const auto started = std::chrono::steady_clock::now();
    ASSERT_TRUE(idle.read_to_eof(all, 5s));
    EXPECT_GE(std::chrono::steady_clock::now() - started, 250ms);
    EXPECT_TRUE(all.empty());
}

TEST_F(member_test, a_client_that_keeps_talking_outlives_the_idle_timeout) {
    // Each line moves the idle deadline later; the watchdog, woken at the old deadline, must
    // wait again rather than close.
    start("[limits]\nidle_timeout_ms = 400\n");
    line_client client(port());
    auto last_sent = std::chrono::steady_clock::now();
    for (int i = 0; i < 10; ++i) { // a second in all, more than twice the timeout
        last_sent = std::chrono::steady_clock::now();
        client.send("IAMAT talker +1+1 " + std::to_string(i + 1) + "\n");
        EXPECT_TRUE(client.read_lines(1).starts_with("AT ")) << "line " << i;
        std::this_thread::sleep_for(100ms);
    }
    std::string all;
    ASSERT_TRUE(client.read_to_eof(all, 5s)); // then silent: closed at the timeout
    // The deadline runs from when the last line arrived, after it was sent: at least 400 ms
    // (20 ms spared for the clocks' granularity).
    EXPECT_GE(std::chrono::steady_clock::now() - last_sent, 380ms);
}

TEST_F(member_test, connections_past_the_limit_are_refused) {
    start("[limits]\nmax_connections = 2\n");
    line_client first(port());
    line_client second(port());
    first.send("IAMAT a +1+1 1\n");
    second.send("IAMAT b +1+1 1\n");
    ASSERT_FALSE(first.read_lines(1).empty());
    ASSERT_FALSE(second.read_lines(1).empty());
    line_client third(port());
    std::string all;
    EXPECT_TRUE(third.read_to_eof(all));
    EXPECT_TRUE(all.empty());
    first.send("IAMAT c +1+1 1\n");
    EXPECT_FALSE(first.read_lines(1).empty()); // the others are unaffected
}

TEST_F(member_test, a_client_that_does_not_read_is_dropped_and_others_are_served) {
    start("[limits]\nsend_timeout_ms = 300\nidle_timeout_ms = 60000\nmax_output_bytes = 65536\n");
    line_client hog(port(), 4096);
    hog.send("IAMAT k " + ucla + " 1\n");
    hog.read_lines(1);
    // About 7 KB of replies per line, never read: the socket buffers fill, the member stops
    // reading, and after send_timeout_ms it drops the connection. Bounded: 2,000 lines.
    const std::string flood = whatsats_near_k(2000);
    try {
        hog.send(flood);
    } catch (const std::runtime_error&) {
        // the member may already have dropped us
    }
    EXPECT_TRUE(wait_until(
        [&] { return dir_.read("logs/Clark.log").find("not reading: reply not taken within 300 ms") != std::string::npos; },
        10s));
    line_client other(port());
    other.send("IAMAT other +1+1 1\n");
    EXPECT_TRUE(other.read_lines(1).starts_with("AT Clark "));
}

TEST_F(member_test, clients_that_do_not_read_are_dropped_largest_first_past_the_bound_on_waiting_replies) {
    // The send timeout is far off: only limits.waiting_output_mib can drop anyone here.
    start("[limits]\nsend_timeout_ms = 60000\nidle_timeout_ms = 60000\nwaiting_output_mib = 3\n");
    line_client setup(port());
    setup.send("IAMAT k " + ucla + " 1\n");
    setup.read_lines(1);
    // Three clients that read nothing, each sent about 14 MB of WHATSAT replies (2,000 lines):
    // once the sockets are full, each one's write waits holding about 2 MB (the room its reply
    // buffer grew to past the 1 MiB output bound, and the rest of its read). One fits in 3 MiB;
    // as each of the others comes, the one that has waited longest is dropped.
    const std::string flood = whatsats_near_k(2000);
    std::vector<std::unique_ptr<line_client>> hogs;
    for (int c = 0; c < 3; ++c) {
        hogs.push_back(std::make_unique<line_client>(port(), 4096));
        try {
            hogs.back()->send(flood);
        } catch (const std::runtime_error&) {
            // the member may already have dropped it
        }
    }
    const std::regex dropped("client [0-9]+ not reading: its [0-9]+ bytes of waiting replies were the most when all "
                             "clients' passed 3 MiB \\(limits.waiting_output_mib\\): closing");
    const auto drops = [&] {
        const std::string log = dir_.read("logs/Clark.log");
        return std::distance(std::sregex_iterator(log.begin(), log.end(), dropped), std::sregex_iterator());
    };
    EXPECT_TRUE(wait_until([&] { return drops() == 2; }, 20s));
    std::this_thread::sleep_for(1s);
    EXPECT_EQ(drops(), 2) << "the one left fits: it stays";
    const std::string log = dir_.read("logs/Clark.log");
    const std::string reason = "disconnected: its waiting replies dropped (limits.waiting_output_mib)";
    const std::size_t first = log.find(reason);
    ASSERT_NE(first, std::string::npos);
    EXPECT_NE(log.find(reason, first + 1), std::string::npos) << "both dropped connections end for that reason";
    EXPECT_EQ(log.find("reply not taken within"), std::string::npos);
    line_client other(port());
    other.send("IAMAT other +1+1 1\n");
    EXPECT_TRUE(other.read_lines(1).starts_with("AT Clark "));
}

TEST_F(member_test, a_time_difference_counts_from_the_read_even_when_replies_waited_for_the_client) {
    start("[limits]\nsend_timeout_ms = 10000\nidle_timeout_ms = 60000\nmax_output_bytes = 65536\n");
    line_client slow(port(), 4096);
    slow.send("IAMAT k " + ucla + " 1\n");
    slow.read_lines(1);
    // One write (one read: 32 KB is one loopback segment): about 14 MB of WHATSAT replies,
    // more than the sockets hold, then an IAMAT. The client reads nothing for 1.5 s, so the
    // member's writes wait on it before it reaches the IAMAT; the IAMAT still arrived with
    // the read, and its time difference says so.
    const std::string sent_at = now_seconds();
    slow.send(whatsats_near_k(2000) + "IAMAT late +1+1 " + sent_at + "\n");
    std::this_thread::sleep_for(1500ms);
    const std::string suffix = " late +1+1 " + sent_at + "\n";
    const std::string replies = slow.read_until(suffix, 30s);
    ASSERT_TRUE(replies.ends_with(suffix)) << "the IAMAT was not answered";
    const std::size_t line_start = replies.rfind("\nAT Clark ") + 1;
    const double difference = std::stod(replies.substr(line_start + 9));
    EXPECT_LT(difference, 1.0) << replies.substr(line_start);
}

TEST_F(member_test, a_connection_gives_back_the_room_of_a_burst_of_replies) {
    start(without_asan_quarantine(""));
    line_client setup(port());
    setup.send("IAMAT k " + ucla + " 1\n");
    setup.read_lines(1);
    const long before = resident_kib(member_->pid());
    // Twenty connections each take about 1.4 MB of replies in one burst (past the default
    // 1 MiB output bound), then stay open and idle.
    std::vector<std::unique_ptr<line_client>> clients;
    const std::string burst = whatsats_near_k(200);
    for (int c = 0; c < 20; ++c) {
        clients.push_back(std::make_unique<line_client>(port()));
        const std::string marker = "IAMAT done" + std::to_string(c) + " +1+1 1\n";
        clients.back()->send(burst + marker);
        const std::string suffix = " done" + std::to_string(c) + " +1+1 1\n";
        ASSERT_TRUE(clients.back()->read_until(suffix, 20s).ends_with(suffix)) << "connection " << c;
    }
    // An idle connection keeps none of that (20 of them would keep 20 MiB or more).
    const long after = resident_kib(member_->pid());
    EXPECT_LT(after - before, 8 * 1024) << "before " << before << " KiB, after " << after << " KiB";
}

TEST_F(member_test, binary_garbage_gets_question_marks_and_no_crash) {
    start();
    line_client client(port());
    std::string garbage;
    for (int i = 0; i < 4096; ++i) {
        garbage += static_cast<char>((i * 131 + 7) % 256);
    }
    client.send(garbage + "\nIAMAT k +1+1 1\n");
    const std::string all = client.read_until(" k +1+1 1\n");
    EXPECT_TRUE(all.ends_with(" k +1+1 1\n"));
    // Each line of garbage that is not blank (white space: space, tab, CR, LF, FF, VT) is
    // answered `?`, in order, before the IAMAT's reply.
    std::size_t garbage_lines = 0;
    std::istringstream sent(garbage);
    for (std::string line; std::getline(sent, line);) {
        garbage_lines += line.find_first_not_of(" \t\r\f\v") != std::string::npos ? 1 : 0;
    }
    std::size_t question_marks = 0;
    std::istringstream replies(all);
    for (std::string line; std::getline(replies, line);) {
        question_marks += line.starts_with("? ") ? 1 : 0;
    }
    EXPECT_GT(garbage_lines, 10u);
    EXPECT_EQ(question_marks, garbage_lines);
    EXPECT_TRUE(port_accepts(port()));
}

TEST_F(member_test, log_has_inputs_outputs_and_connections_with_odd_bytes_escaped) {
    start();
    {
        line_client client(port());
        client.send("IAMAT k +1+1 1\nodd\x01\xff line\n");
        client.read_lines(2);
    }
    member_->signal(SIGTERM);
    ASSERT_EQ(member_->wait(), 0);
    const std::string log = dir_.read("logs/Clark.log");
    EXPECT_NE(log.find("connected from 127.0.0.1"), std::string::npos) << log;
    EXPECT_NE(log.find("< IAMAT k +1+1 1"), std::string::npos) << log;
    EXPECT_NE(log.find("> AT Clark "), std::string::npos) << log;
    EXPECT_NE(log.find("< odd\\x01\\xff line"), std::string::npos) << log;
    EXPECT_NE(log.find("> ? odd\\x01\\xff line\\n"), std::string::npos) << log;
    EXPECT_NE(log.find("disconnected"), std::string::npos) << log;
    EXPECT_EQ(log.find('\x01'), std::string::npos);
    const std::regex stamp(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z Clark )");
    EXPECT_TRUE(std::regex_search(log, stamp)) << log;
}

// Log rotation, either way logrotate does it: renaming the file then SIGHUP (the member opens
// the path again), or copying and truncating it (the member appends, so it writes from the
// new end, leaving no hole). Neither stops the member.
TEST_F(member_test, the_log_can_be_rotated_by_renaming_and_sighup_or_by_truncating) {
    start();
    const std::string log_path = dir_.file("logs/Clark.log");
    line_client client(port());
    client.send("IAMAT before.rename +1+1 1\n");
    client.read_lines(1);
    // Both of a line's entries (in and out) are written before the file is moved.
    const auto both_entries = [&](const std::string& name, const std::string& id) {
        return wait_until(
            [&] {
                const std::string log = dir_.read(name);
                const auto first = log.find(id);
                return first != std::string::npos && log.find(id, first + 1) != std::string::npos;
            },
            5s);
    };
    ASSERT_TRUE(both_entries("logs/Clark.log", "before.rename"));
    std::filesystem::rename(log_path, log_path + ".1");
    member_->signal(SIGHUP);
    ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(log_path); }, 5s)) << "no new log after SIGHUP";
    client.send("IAMAT after.rename +1+1 1\n");
    EXPECT_TRUE(client.read_lines(1).starts_with("AT Clark "));
    ASSERT_TRUE(both_entries("logs/Clark.log", "after.rename"));
    EXPECT_NE(dir_.read("logs/Clark.log").find("Clark reopening its log on SIGHUP"), std::string::npos);
    EXPECT_EQ(dir_.read("logs/Clark.log.1").find("after.rename"), std::string::npos);

    std::filesystem::resize_file(log_path, 0); // copytruncate
    client.send("IAMAT after.truncate +1+1 1\n");
    EXPECT_TRUE(client.read_lines(1).starts_with("AT Clark "));
    ASSERT_TRUE(wait_until([&] { return dir_.read("logs/Clark.log").find("after.truncate") != std::string::npos; }, 5s));
    const std::string truncated = dir_.read("logs/Clark.log");
    EXPECT_EQ(truncated.find('\0'), std::string::npos) << "a hole where the old entries were";
    EXPECT_EQ(truncated.find("after.rename"), std::string::npos);
    EXPECT_FALSE(member_->wait(0ms)) << "the member died: " << member_->err();
}

TEST_F(member_test, log_reaches_the_file_while_the_member_runs) {
    start();
    line_client client(port());
    client.send("IAMAT running +1+1 1\n");
    client.read_lines(1);
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (dir_.read("logs/Clark.log").find("< IAMAT running") == std::string::npos) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "log not flushed within 5 s";
        std::this_thread::sleep_for(20ms);
    }
}

TEST_F(member_test, sigterm_stops_the_member_promptly_with_clients_connected) {
    start();
    line_client client(port());
    client.send("IAMAT k +1+1 1\n");
    client.read_lines(1);
    const auto started = std::chrono::steady_clock::now();
    member_->signal(SIGTERM);
    EXPECT_EQ(member_->wait(5s), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 4s);
    std::string all;
    EXPECT_TRUE(client.read_to_eof(all, 1s));
}

// On SIGTERM a member answers the lines it has read, then closes. What the client sends that
// the member does not read (before or after the stop) must not cost it the replies already
// written: closing with unread input sends a reset, and a reset destroys the replies the
// kernel still holds for the client.
class stop_test : public member_test {
protected:
    void SetUp() override {
        start("[limits]\nsend_timeout_ms = 10000\nidle_timeout_ms = 60000\nmax_output_bytes = 65536\n");
        client_ = std::make_unique<line_client>(port(), 4096); // takes replies slowly
        client_->send("IAMAT k " + ucla + " 1\n");
        client_->read_lines(1);
    }
    // Sends SIGTERM and waits until the member has taken it.
    void stop_member() {
        member_->signal(SIGTERM);
        ASSERT_TRUE(wait_until(
            [&] { return dir_.read("logs/Clark.log").find("Clark stopping on signal 15") != std::string::npos; }, 10s));
    }
    std::unique_ptr<line_client> client_;
};

// The member is still writing (7 MB of replies fill the buffers) when the stop comes, and a
// line the client sent meanwhile lies unread.
TEST_F(stop_test, replies_owed_reach_a_client_whose_later_line_goes_unread) {
    client_->send(whatsats_near_k(1000));
    std::this_thread::sleep_for(300ms);
    client_->send("IAMAT late +1+1 1\n");
    stop_member();
    std::string all;
    ASSERT_TRUE(client_->read_to_eof(all, 20s));
    EXPECT_EQ(whatsat_replies_in(all), 1000u) << all.size() << " bytes received";
    EXPECT_EQ(all.find(" late "), std::string::npos);
    EXPECT_EQ(member_->wait(10s), 0);
}

// Every reply is written (1.4 MB: the kernel holds it) and the member waits to read when the
// stop comes; the client sends one more line only after it.
TEST_F(stop_test, replies_still_on_their_way_survive_a_line_sent_after_the_stop) {
    client_->send(whatsats_near_k(200));
    std::this_thread::sleep_for(300ms);
    stop_member();
    client_->send("IAMAT late +1+1 1\n");
    std::string all;
    ASSERT_TRUE(client_->read_to_eof(all, 20s));
    EXPECT_EQ(whatsat_replies_in(all), 200u) << all.size() << " bytes received";
    EXPECT_EQ(member_->wait(10s), 0);
}

TEST_F(member_test, a_signal_while_the_gazetteer_loads_stops_the_member_cleanly) {
    // The project's full gazetteer takes a while to load: the signal comes meanwhile.
    config_ = herd_.write_config(dir_);
    std::string text = dir_.read("herd.toml");
    const std::string fixture = std::string(HERD_TEST_DATA) + "/places.json";
    text.replace(text.find(fixture), fixture.size(), std::string(HERD_TEST_DATA) + "/../../data/cities.json");
    dir_.write("herd.toml", text);
    herd_process member({"serve", "Clark", "--config", config_}, dir_.path(), "Clark");
    ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dir_.file("logs/Clark.log")); }, 10s));
    std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(port_accepts(port())) << "loaded already: the signal did not come during the load";
    member.signal(SIGTERM);
    EXPECT_EQ(member.wait(30s), 0) << member.err();
    EXPECT_NE(dir_.read("logs/Clark.log").find("Clark stopping on signal 15"), std::string::npos);
}

TEST_F(member_test, a_member_whose_stderr_reader_has_gone_keeps_serving) {
    // Warnings also go to stderr, here a pipe whose reader exits at once: writing to it must
    // fail quietly (EPIPE), not kill the member (SIGPIPE).
    herd_.extra = "[limits]\nline_timeout_ms = 200\nidle_timeout_ms = 60000\n";
    config_ = herd_.write_config(dir_);
    member_ = start_member("Clark", port(), config_, dir_.path(), {"/bin/bash", "-c", R"(exec "$0" "$@" 2> >(true))"});
    for (int i = 0; i < 3; ++i) { // each a warning: "too slow"
        line_client slow(port());
        slow.send("IAMAT never finished");
        std::string rest;
        EXPECT_TRUE(slow.read_to_eof(rest, 5s));
    }
    EXPECT_TRUE(wait_until([&] { return dir_.read("logs/Clark.log").find("too slow") != std::string::npos; }, 5s));
    std::this_thread::sleep_for(300ms); // the stderr writer has had its go
    EXPECT_FALSE(member_->wait(0ms)) << "the member died";
    line_client client(port());
    client.send("IAMAT after +1+1 1\n");
    EXPECT_TRUE(client.read_lines(1).starts_with("AT Clark "));
}

TEST_F(member_test, a_client_still_connected_at_stop_is_logged_as_closed_by_the_member) {
    start();
    line_client client(port());
    client.send("IAMAT k +1+1 1\n");
    client.read_lines(1); // now idle, waiting to read
    member_->signal(SIGTERM);
    ASSERT_EQ(member_->wait(5s), 0);
    const std::string log = dir_.read("logs/Clark.log");
    // Client 1 was start()'s probe of the port; client 2 is the one still connected.
    EXPECT_NE(log.find("client 2 disconnected: closed by member"), std::string::npos) << log;
}

} // namespace
} // namespace herd::testing_support
