// Hostile clients against the real member: many connections, floods of bad lines.
#include <bit>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "herd_process.hpp"

namespace herd::testing_support {
namespace {

// Opens `count` TCP connections to `port` without waiting for them (non-blocking connect);
// closes them all when it dies.
class connection_swarm {
public:
    connection_swarm(std::uint16_t port, int count) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        for (int i = 0; i < count; ++i) {
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            if (fd < 0) {
                break; // out of descriptors here: the test says how many it opened
            }
            ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
            fds_.push_back(fd);
        }
    }
    ~connection_swarm() {
        for (const int fd : fds_) {
            ::close(fd);
        }
    }
    std::size_t size() const { return fds_.size(); }

private:
    std::vector<int> fds_;
};

TEST(hostile, ten_thousand_connections_at_once_cost_only_themselves) {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ASSERT_GE(limit.rlim_cur, 10'200u) << "this test needs 10,200 open files per process";
    scratch_dir dir;
    test_herd herd = make_test_herd({"Clark"});
    herd.extra = "[limits]\nmax_connections = 12000\n";
    const auto member = start_member("Clark", herd.ports.at("Clark"), herd.write_config(dir), dir.path());
    {
        const connection_swarm swarm(herd.ports.at("Clark"), 10'000);
        ASSERT_EQ(swarm.size(), 10'000u);
        // With ten thousand connections open, a new client is still answered.
        line_client probe(herd.ports.at("Clark"));
        probe.send("IAMAT probe +1+1 1\n");
        EXPECT_TRUE(probe.read_lines(1, 20s).starts_with("AT Clark ")) << "member swamped";
    }
    EXPECT_FALSE(member->wait(0ms)) << "member died: " << member->err();
    line_client after(herd.ports.at("Clark"));
    after.send("WHATSAT probe 0 0\n");
    EXPECT_TRUE(after.read_until("\n\n", 20s).starts_with("AT Clark "));
}

TEST(hostile, a_flood_of_invalid_lines_is_answered_in_full_and_others_are_served) {
    scratch_dir dir;
    test_herd herd = make_test_herd({"Clark"});
    const auto member = start_member("Clark", herd.ports.at("Clark"), herd.write_config(dir), dir.path());
    line_client flooder(herd.ports.at("Clark"));
    line_client bystander(herd.ports.at("Clark"));
    std::string batch;
    for (int i = 0; i < 10'000; ++i) {
        batch += "\x01garbage line " + std::to_string(i) + " \xff\n";
    }
    std::size_t answered = 0;
    for (int round = 0; round < 10; ++round) { // bounded: 100,000 lines
        flooder.send(batch);
        const std::string replies = flooder.read_lines(10'000, 20s);
        answered += static_cast<std::size_t>(std::count(replies.begin(), replies.end(), '\n'));
        bystander.send("IAMAT bystander +1+1 " + std::to_string(round + 1) + "\n");
        ASSERT_TRUE(bystander.read_lines(1, 5s).starts_with("AT Clark "));
    }
    EXPECT_EQ(answered, 100'000u);
}

// A client inventing a new ID for every IAMAT cannot make a member (or, by flooding, every
// member) keep records without bound: past limits.store_mib, each new client gets `?`. The
// clients kept are still served, and the log warns at the 1st, 2nd, 4th... refusal, not at each.
TEST(hostile, new_clients_past_the_store_limit_get_a_question_and_the_member_serves_on) {
    scratch_dir dir;
    test_herd herd = make_test_herd({"Clark"});
    herd.extra = "[limits]\nstore_mib = 1\n";
    const auto member = start_member("Clark", herd.ports.at("Clark"), herd.write_config(dir), dir.path());
    line_client flooder(herd.ports.at("Clark"));
    const std::string time = "1"; // so every AT line's difference has ten digits before its point, for decades
    constexpr int lines = 20'000;
    std::string batch;
    for (int i = 0; i < lines; ++i) {
        batch += fmt::format("IAMAT c{:05} +1+1 {}\n", i, time);
    }
    flooder.send(batch);
    const std::string replies = flooder.read_lines(lines, 30s);
    std::size_t kept = 0;
    std::size_t refused = 0;
    std::size_t at_line_bytes = 0;
    std::istringstream in(replies);
    for (std::string reply; std::getline(in, reply);) {
        if (reply.starts_with("AT Clark +")) {
            ASSERT_EQ(refused, 0u) << "a client was kept after one was refused: " << reply;
            at_line_bytes = reply.size();
            ++kept;
        } else {
            ASSERT_EQ(reply, fmt::format("? IAMAT c{:05} +1+1 {}", kept + refused, time));
            ++refused;
        }
    }
    ASSERT_EQ(kept + refused, static_cast<std::size_t>(lines));
    EXPECT_EQ(kept, (std::size_t{1} << 20) / (at_line_bytes + 32)); // store::location_store::record_cost
    // The kept clients are still served; the refused ones are not known.
    line_client other(herd.ports.at("Clark"));
    const std::string later = "2"; // the same size: it fits
    other.send(fmt::format("IAMAT c00000 +2+2 {}\nWHATSAT c00000 0 0\nWHATSAT c{:05} 0 0\n", later, kept));
    const std::string answers = other.read_until(fmt::format("? WHATSAT c{:05} 0 0\n", kept));
    EXPECT_TRUE(answers.starts_with("AT Clark ")) << answers;
    EXPECT_NE(answers.find(fmt::format(" c00000 +2+2 {}\n{{", later)), std::string::npos) << answers;
    EXPECT_TRUE(wait_until([&] { return dir.read("logs/Clark.log").find(" refused so far") != std::string::npos; }, 5s));
    const std::string log = dir.read("logs/Clark.log");
    std::size_t warnings = 0;
    std::istringstream entries(log);
    for (std::string entry; std::getline(entries, entry);) {
        warnings += entry.find(" warning ") != std::string::npos && entry.find(" refused so far") != std::string::npos;
    }
    EXPECT_EQ(warnings, static_cast<std::size_t>(std::bit_width(refused))) << log.substr(log.find(" warning "), 400);
    EXPECT_NE(log.find(fmt::format("warning an IAMAT for client c{:05} refused: the store is full (limits.store_mib) (1 "
                                   "refused so far; said again at 2)",
                                   kept)),
              std::string::npos);
    EXPECT_FALSE(member->wait(0ms)) << "member died: " << member->err();
}

// A member whose clients must finish a line within 400 ms (and may sit idle a minute).
class slow_lines : public testing::Test {
protected:
    slow_lines() {
        herd_.extra = "[limits]\nline_timeout_ms = 400\nidle_timeout_ms = 60000\n";
        member_ = start_member("Clark", port(), herd_.write_config(dir_), dir_.path());
    }
    std::uint16_t port() const { return herd_.ports.at("Clark"); }
    std::string log() const { return dir_.read("logs/Clark.log"); }

    scratch_dir dir_;
    test_herd herd_ = make_test_herd({"Clark"});
    std::unique_ptr<herd_process> member_;
};

TEST_F(slow_lines, a_slowloris_client_trickling_one_line_is_dropped) {
    line_client slow(port());
    // A complete line first: answered, and it starts no clock.
    slow.send("IAMAT k +1+1 1\n");
    ASSERT_TRUE(slow.read_lines(1).starts_with("AT Clark "));
    // Then one byte every 50 ms, never a line end: bounded at 200 bytes (10 s).
    const auto started = std::chrono::steady_clock::now();
    bool dropped = false;
    for (int i = 0; i < 200 && !dropped; ++i) {
        try {
            slow.send("x");
        } catch (const std::runtime_error&) {
            dropped = true;
        }
        std::string rest;
        dropped = dropped || slow.read_to_eof(rest, 50ms);
    }
    EXPECT_TRUE(dropped);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
    EXPECT_TRUE(wait_until(
        [&] { return log().find("line not finished within 400 ms") != std::string::npos; }, 5s));
}

TEST_F(slow_lines, a_client_whose_lines_keep_ending_is_not_too_slow) {
    line_client client(port());
    // Every write ends a line and begins the next: something is always buffered, but no line
    // takes more than 150 ms. Ten writes: 1.5 s, well past the line timeout.
    client.send("IAMAT k +1+1 1\nIAMAT k +1+1 ");
    ASSERT_TRUE(client.read_lines(1).starts_with("AT Clark "));
    for (int i = 2; i <= 11; ++i) {
        std::this_thread::sleep_for(150ms);
        client.send(std::to_string(i) + "\nIAMAT k +1+1 ");
        ASSERT_TRUE(client.read_lines(1).ends_with(" k +1+1 " + std::to_string(i) + "\n")) << "line " << i;
    }
    client.send("12\n");
    EXPECT_TRUE(client.read_lines(1).ends_with(" k +1+1 12\n"));
    EXPECT_EQ(log().find("line not finished"), std::string::npos);
}

} // namespace
} // namespace herd::testing_support
