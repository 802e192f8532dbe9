// Several real members linked over loopback: flooding, failures, restarts.
#include <csignal>
#include <random>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "herd/peer_auth.hpp"
#include "running_herd.hpp"

namespace herd::testing_support {
namespace {

const std::string ucla = "+34.068930-118.445127";

TEST(herd, an_update_at_bailey_reaches_every_member_byte_for_byte) {
    running_herd herd(default_names(), default_links());
    herd.start_all();
    const std::string at_line = herd.iamat("Bailey", "kiwi.cs.ucla.edu", ucla, now_seconds());
    ASSERT_TRUE(at_line.starts_with("AT Bailey +")) << at_line;
    for (const auto& name : {"Bona", "Campbell", "Clark", "Jaquez"}) {
        EXPECT_TRUE(herd.wait_for(name, "kiwi.cs.ucla.edu", at_line)) << name << " keeps " << herd.kept(name, "kiwi.cs.ucla.edu");
    }
    // WHATSAT elsewhere prints Bailey's line, places from the member asked.
    line_client client(herd.port("Clark"));
    client.send("WHATSAT kiwi.cs.ucla.edu 10 3\n");
    const std::string reply = client.read_until("\n\n");
    EXPECT_TRUE(reply.starts_with(at_line + "\n{")) << reply;
    EXPECT_NE(reply.find("\"name\" : \"Bel Air\""), std::string::npos);
}

TEST(herd, one_iamat_costs_one_message_per_link_direction_it_needs_and_never_loops) {
    running_herd herd(default_names(), default_links());
    herd.start_all();
    ASSERT_TRUE(herd.wait_linked());
    const std::string at_line = herd.iamat("Bailey", "counted", "+1+1", "1");
    for (const auto& name : default_names()) {
        ASSERT_TRUE(herd.wait_for(name, "counted", at_line)) << name;
    }
    // Every member forwards a new record once, to every neighbour but its sender:
    // 2 x 6 links - (5 - 1) members that had a sender = 8 messages, whatever the timing.
    const auto messages = [&] {
        std::size_t n = 0;
        for (const auto& name : default_names()) {
            std::istringstream log(herd.log(name));
            for (std::string line; std::getline(log, line);) {
                n += line.find(" debug link ") != std::string::npos && line.ends_with(" < " + at_line);
            }
        }
        return n;
    };
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (messages() < 8 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(messages(), 8u);
    std::this_thread::sleep_for(1500ms); // a loop would keep adding messages
    EXPECT_EQ(messages(), 8u);
}

// A client line as long as the member's limit allows makes an AT line longer still (origin and
// difference); neighbours must take it like any other, not drop the link (and then drop it
// again at every catch-up, cutting the member off for good).
// Floods a 20,000-byte IAMAT (the longest the limits allow) from Bailey through a herd with
// these limits, and checks that every member keeps it and that no link dropped.
void expect_the_longest_iamat_floods_without_breaking_a_link(const std::string& limits) {
    running_herd herd(default_names(), default_links(), limits + "max_line_bytes = 20000\n");
    herd.start_all();
    ASSERT_TRUE(herd.wait_linked());
    const std::string before_fraction = "IAMAT long " + ucla + " 1.";
    const std::string time = "1." + std::string(20000 - before_fraction.size(), '7'); // a 20,000-byte IAMAT
    const std::string at_line = herd.iamat("Bailey", "long", ucla, time);
    ASSERT_TRUE(at_line.starts_with("AT Bailey +")) << at_line.substr(0, 80);
    ASSERT_GT(at_line.size(), 20000u);
    for (const auto& name : default_names()) {
        EXPECT_TRUE(herd.wait_for(name, "long", at_line)) << name;
    }
    std::this_thread::sleep_for(500ms); // a dropped link would be back (and dropped again) by now
    for (const auto& [a, b] : default_links()) {
        EXPECT_EQ(herd.links_up(a, b), 1u) << a << " - " << b;
        EXPECT_EQ(herd.links_up(b, a), 1u) << b << " - " << a;
    }
    for (const auto& name : default_names()) {
        EXPECT_EQ(herd.log(name).find("longer than"), std::string::npos) << name;
        EXPECT_EQ(herd.log(name).find("send queue over"), std::string::npos) << name;
        EXPECT_EQ(herd.log(name).find(" down: "), std::string::npos) << name; // no link dropped, even one back up
    }
}

TEST(herd, the_longest_iamat_a_member_accepts_floods_without_breaking_a_link) {
    expect_the_longest_iamat_floods_without_breaking_a_link(fast_peer_limits);
}

// peer_queue_bytes bounds a backlog to a slow neighbour, not the length of one record.
TEST(herd, a_record_longer_than_the_send_queue_bound_floods_without_breaking_a_link) {
    expect_the_longest_iamat_floods_without_breaking_a_link(std::string(fast_peer_limits) + "peer_queue_bytes = 4096\n");
}

TEST(herd, the_newest_report_wins_on_every_member_whatever_the_arrival_order) {
    running_herd herd(default_names(), default_links());
    herd.start_all();
    ASSERT_TRUE(herd.wait_linked());
    const auto names = default_names();
    std::mt19937 random(12345);
    std::map<std::string, std::string> newest; // client -> its newest AT line
    // For each client, reports with times 1..5 go to random members in a random order, all
    // at once over pipelined connections; the one with time 5 must win everywhere.
    std::map<std::string, std::unique_ptr<line_client>> clients;
    for (const auto& name : names) {
        clients[name] = std::make_unique<line_client>(herd.port(name));
    }
    std::map<std::string, std::size_t> sent;
    std::vector<std::pair<std::string, std::string>> expected_origin;
    for (int c = 0; c < 20; ++c) {
        const std::string client = "client" + std::to_string(c);
        std::vector<int> times{1, 2, 3, 4, 5};
        std::shuffle(times.begin(), times.end(), random);
        for (const int t : times) {
            const std::string& member = names[random() % names.size()];
            clients[member]->send("IAMAT " + client + " +1+1 " + std::to_string(t) + "\n");
            ++sent[member];
            if (t == 5) {
                expected_origin.emplace_back(client, member);
            }
        }
    }
    for (const auto& [member, n] : sent) {
        clients[member]->read_lines(n);
    }
    for (const auto& [client, origin] : expected_origin) {
        const std::string winner = herd.kept(origin, client);
        ASSERT_TRUE(winner.starts_with("AT " + origin + " ") && winner.ends_with(" " + client + " +1+1 5")) << winner;
        for (const auto& name : names) {
            EXPECT_TRUE(herd.wait_for(name, client, winner)) << name << " " << herd.kept(name, client);
        }
    }
}

TEST(herd, equal_times_go_to_the_higher_member_name_everywhere) {
    running_herd herd(default_names(), default_links());
    herd.start_all();
    ASSERT_TRUE(herd.wait_linked());
    // The higher name's report comes first and reaches every member; the lower one's, at the
    // same time, comes after it and must change nothing anywhere (a store that kept the last
    // arrival would take it).
    const std::string high = herd.iamat("Jaquez", "tie", "+2+2", "100");
    for (const auto& name : default_names()) {
        ASSERT_TRUE(herd.wait_for(name, "tie", high)) << name << " " << herd.kept(name, "tie");
    }
    const std::string low = herd.iamat("Bailey", "tie", "+1+1", "100");
    ASSERT_TRUE(low.starts_with("AT Bailey ")) << low;
    // A later update from Bailey, flooded along the same links, marks when the low one has
    // been everywhere it would go.
    const std::string marker = herd.iamat("Bailey", "tie.marker", "+1+1", "1");
    for (const auto& name : default_names()) {
        ASSERT_TRUE(herd.wait_for(name, "tie.marker", marker)) << name;
        EXPECT_EQ(herd.kept(name, "tie"), high) << name;
    }
}

// Kills a pair of members; the survivors still connected to where an update enters agree
// on it, and those cut off keep their old record. Instantiated for every pair.
class killed_pair : public testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(killed_pair, connected_survivors_agree_and_cut_off_ones_keep_their_record) {
    const auto names = default_names();
    const auto& [first, second] = GetParam();
    running_herd herd(names, default_links());
    herd.start_all();
    ASSERT_TRUE(herd.wait_linked());
    std::vector<std::string> survivors;
    for (const auto& name : names) {
        if (name != first && name != second) {
            survivors.push_back(name);
        }
    }
    const std::string old_line = herd.iamat(survivors.back(), "k", "+1+1", "1");
    for (const auto& name : names) {
        ASSERT_TRUE(herd.wait_for(name, "k", old_line)) << name;
    }
    herd.kill(first);
    herd.kill(second);
    const std::string entry = survivors.front();
    const std::string new_line = herd.iamat(entry, "k", "+2+2", "2");
    const auto connected = herd.reachable(entry);
    for (const auto& name : connected) {
        EXPECT_TRUE(herd.wait_for(name, "k", new_line, 5s)) << name;
    }
    std::this_thread::sleep_for(300ms); // time enough for a wrong update to arrive
    for (const auto& name : survivors) {
        if (std::find(connected.begin(), connected.end(), name) == connected.end()) {
            EXPECT_EQ(herd.kept(name, "k"), old_line) << name << " is cut off";
        }
    }
}

std::vector<std::pair<std::string, std::string>> every_pair() {
    const auto names = default_names();
    std::vector<std::pair<std::string, std::string>> pairs;
    for (std::size_t i = 0; i < names.size(); ++i) {
        for (std::size_t j = i + 1; j < names.size(); ++j) {
            pairs.emplace_back(names[i], names[j]);
        }
    }
    return pairs;
}

INSTANTIATE_TEST_SUITE_P(herd, killed_pair, testing::ValuesIn(every_pair()),
                         [](const auto& pair) { return pair.param.first + "_and_" + pair.param.second; });

TEST(herd, a_restarted_member_links_again_catches_up_and_gets_new_updates) {
    running_herd herd(default_names(), default_links());
    herd.start_all();
    ASSERT_TRUE(herd.wait_linked());
    herd.kill("Clark");
    const std::string missed = herd.iamat("Bailey", "k", "+1+1", "1");
    ASSERT_TRUE(herd.wait_for("Jaquez", "k", missed));
    const auto restarted = std::chrono::steady_clock::now();
    herd.start("Clark");
    // Clark's log goes on from before: its links come up a second time.
    ASSERT_TRUE(herd.wait_links_of("Clark", 2, 10s));
    const auto linked_after = std::chrono::steady_clock::now() - restarted;
    EXPECT_LT(linked_after, 5s); // redial back-off is capped at 300 ms in this config
    EXPECT_TRUE(herd.wait_for("Clark", "k", missed)) << "catch-up on link-up";
    const std::string later = herd.iamat("Bailey", "k", "+2+2", "2");
    EXPECT_TRUE(herd.wait_for("Clark", "k", later));
}

TEST(herd, members_with_different_secrets_do_not_link_or_exchange_updates) {
    running_herd herd({"Alpha", "Beta"}, {{"Alpha", "Beta"}});
    herd.start("Alpha");
    ::setenv("HERD_SECRET", "some-other-secret", 1);
    herd.start("Beta");
    ::setenv("HERD_SECRET", test_secret, 1);
    // Alpha dials Beta: Alpha finds Beta's proof wrong and hangs up before proving itself.
    EXPECT_TRUE(wait_until(
        [&] { return herd.log("Alpha").find("link with Beta: it failed authentication") != std::string::npos; }, 10s));
    const std::string line = herd.iamat("Alpha", "secret.test", "+1+1", "1");
    ASSERT_TRUE(line.starts_with("AT Alpha ")) << line;
    EXPECT_EQ(herd.kept("Alpha", "secret.test"), line); // Alpha has it; only the link is missing
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(herd.kept("Beta", "secret.test"), "? WHATSAT secret.test 0 0");
    EXPECT_EQ(herd.links_up("Alpha", "Beta"), 0u);
}

TEST(herd, members_serve_clients_with_no_neighbour_up) {
    running_herd herd(default_names(), default_links());
    herd.start("Clark");
    const std::string line = herd.iamat("Clark", "alone", "+1+1", "1");
    EXPECT_TRUE(line.starts_with("AT Clark "));
    EXPECT_EQ(herd.kept("Clark", "alone"), line);
}

// Gives member `name` of the config in `dir` (herd.toml) a peer_port.
void add_peer_port(const scratch_dir& dir, const std::string& name, std::uint16_t peer_port) {
    std::string text = dir.read("herd.toml");
    const std::string table = "[servers." + name + "]\n";
    text.insert(text.find(table) + table.size(), "peer_port = " + std::to_string(peer_port) + "\n");
    dir.write("herd.toml", text);
}

TEST(herd, a_separate_peer_port_carries_the_links_and_refuses_clients) {
    scratch_dir dir;
    test_herd config = make_test_herd({"Alpha", "Beta"});
    config.links = {{"Alpha", "Beta"}};
    config.extra = fast_peer_limits;
    const std::uint16_t alpha_peer = free_port();
    const std::uint16_t beta_peer = free_port();
    const std::string path = config.write_config(dir);
    add_peer_port(dir, "Alpha", alpha_peer);
    add_peer_port(dir, "Beta", beta_peer);
    const auto alpha = start_member("Alpha", config.ports.at("Alpha"), path, dir.path());
    const auto beta = start_member("Beta", config.ports.at("Beta"), path, dir.path());

    line_client to_alpha(config.ports.at("Alpha"));
    to_alpha.send("IAMAT k +1+1 1\n");
    std::string at_line = to_alpha.read_lines(1);
    ASSERT_TRUE(at_line.starts_with("AT Alpha ")) << at_line;
    at_line.pop_back();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    std::string kept;
    while (kept != at_line && std::chrono::steady_clock::now() < deadline) {
        line_client to_beta(config.ports.at("Beta"));
        to_beta.send("WHATSAT k 0 0\n");
        to_beta.shutdown_send();
        to_beta.read_to_eof(kept);
        kept = kept.substr(0, kept.find('\n'));
    }
    EXPECT_EQ(kept, at_line);

    // The client port no longer takes handshakes: it answers them as bad client lines.
    line_client impostor(config.ports.at("Beta"));
    impostor.send("HERD 3 HELLO Alpha Beta 00\n");
    EXPECT_EQ(impostor.read_lines(1), "? HERD 3 HELLO Alpha Beta 00\n");
    // And the peer port does not serve clients.
    line_client lost(beta_peer);
    lost.send("IAMAT k +1+1 9\n");
    std::string nothing;
    EXPECT_TRUE(lost.read_to_eof(nothing, 5s));
    EXPECT_EQ(nothing, "");
}

// limits.peer_connect_timeout_ms bounds the whole handshake, not each of its steps.
TEST(herd, a_handshake_on_the_peer_port_must_end_within_the_connect_timeout_in_all) {
    scratch_dir dir;
    test_herd config = make_test_herd({"Alpha", "Beta"});
    config.links = {{"Alpha", "Beta"}};
    config.extra = "[limits]\npeer_connect_timeout_ms = 1500\n";
    const std::uint16_t beta_peer = free_port();
    const std::string path = config.write_config(dir);
    add_peer_port(dir, "Beta", beta_peer);
    const auto beta = start_member("Beta", config.ports.at("Beta"), path, dir.path());
    // The test is Alpha, with the secret: each step comes 1 s after the one before (500 ms
    // inside the timeout, for a loaded machine), but the proof 2 s after connecting.
    line_client link(beta_peer);
    std::this_thread::sleep_for(1s);
    const std::string nonce = "0123456789abcdef0123456789abcdef";
    link.send("HERD 3 HELLO Alpha Beta " + nonce + "\n");
    std::istringstream challenge(link.read_lines(1));
    std::string magic, version, word, name, beta_nonce;
    challenge >> magic >> version >> word >> name >> beta_nonce;
    ASSERT_EQ(word, "CHALLENGE");
    std::this_thread::sleep_for(1s);
    try {
        link.send("HERD 3 PROOF " + peer::dialer_proof(test_secret, "Alpha", "Beta", nonce, beta_nonce) + "\n");
    } catch (const std::runtime_error&) {
        // Beta may have closed already
    }
    std::string rest;
    EXPECT_TRUE(link.read_to_eof(rest, 5s));
    EXPECT_EQ(rest.find("WELCOME"), std::string::npos) << rest;
}

} // namespace
} // namespace herd::testing_support
