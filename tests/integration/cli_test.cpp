// The command line of the real binary: exit codes and messages a person sees.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "herd_process.hpp"

namespace herd::testing_support {
namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The JSON line `herd bench load` printed; a failure of the test (and an empty object) when
// the run did not succeed.
boost::json::object load_result(const run_result& run) {
    if (run.status != 0) {
        ADD_FAILURE() << "herd bench load exited with " << run.status << ": " << run.err;
        return {};
    }
    return boost::json::parse(run.out).as_object();
}

class cli_test : public testing::Test {
protected:
    scratch_dir dir_;
    test_herd herd_ = make_test_herd({"Alpha", "Beta"});
    std::string config_ = [this] {
        herd_.links = {{"Alpha", "Beta"}};
        return herd_.write_config(dir_);
    }();

    // Waits until Alpha and Beta both take connections; false after 20 s.
    bool both_listen() const {
        return wait_until([&] { return port_accepts(herd_.ports.at("Alpha")) && port_accepts(herd_.ports.at("Beta")); },
                          20s);
    }

    // Runs the herd with `args` against something that never answers: it must give up, with
    // exit 1 and `message` on stderr, well within its 30 s bound.
    void expect_gives_up(const std::vector<std::string>& args, const std::string& message) const {
        const auto started = std::chrono::steady_clock::now();
        const auto result = run_herd(args, dir_.path(), "", 30s);
        const auto took = std::chrono::steady_clock::now() - started;
        EXPECT_EQ(result.status, 1) << result.err;
        EXPECT_TRUE(contains(result.err, message)) << result.err;
        EXPECT_LT(took, 15s);
    }

    // `herd bench load --to Alpha ARGS --config ...`, run to completion.
    boost::json::object load_alpha(std::vector<std::string> args) const {
        args.insert(args.begin(), {"bench", "load", "--to", "Alpha"});
        args.insert(args.end(), {"--config", config_});
        return load_result(run_herd(args, dir_.path(), "", 60s));
    }
};

TEST_F(cli_test, help_is_there_for_every_command) {
    struct help {
        std::vector<std::string> args;
        std::vector<std::string> shows; // what its text must mention
    };
    const std::vector<help> helps{
        {{"--help"}, {"serve", "send", "up", "bench"}}, // the top level lists every command
        {{"serve", "--help"}, {"--config"}},
        {{"send", "--help"}, {"--config"}},
        {{"up", "--help"}, {"--config"}},
        {{"bench", "load", "--help"}, {"--config"}},
        {{"bench", "propagation", "--help"}, {"--config"}},
        {{"bench", "wakeup", "--help"}, {"--idle-us"}}, // it measures the machine, not a herd
    };
    for (const help& h : helps) {
        const auto result = run_herd(h.args, dir_.path());
        EXPECT_EQ(result.status, 0) << h.args[0];
        for (const std::string& part : h.shows) {
            EXPECT_TRUE(contains(result.out, part)) << part << " missing from: " << result.out;
        }
    }
}

TEST_F(cli_test, no_command_is_a_usage_error) {
    const auto result = run_herd({}, dir_.path());
    EXPECT_EQ(result.status, 2);
    EXPECT_TRUE(contains(result.err, "subcommand")) << result.err;
}

// As README.md says of every error: on stderr, in one line.
TEST_F(cli_test, a_usage_error_is_one_line_on_stderr) {
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {}, {"send"}, {"send", "Alpha", "--timeout-ms", "0"}, {"serve", "Alpha", "--no-such-option"}}) {
        const auto result = run_herd(args, dir_.path());
        EXPECT_EQ(result.status, 2) << result.err;
        EXPECT_TRUE(result.err.starts_with("herd: ")) << result.err;
        EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
        EXPECT_TRUE(result.out.empty()) << result.out;
    }
}

TEST_F(cli_test, unknown_member_is_refused) {
    const auto result = run_herd({"serve", "Gamma", "--config", config_}, dir_.path());
    EXPECT_EQ(result.status, 2);
    EXPECT_TRUE(contains(result.err, "no member named 'Gamma' (members: Alpha, Beta)")) << result.err;
}

TEST_F(cli_test, unreadable_config_is_refused) {
    const auto result = run_herd({"serve", "Alpha", "--config", dir_.file("missing.toml")}, dir_.path());
    EXPECT_EQ(result.status, 2);
    EXPECT_TRUE(contains(result.err, "missing.toml: cannot read the config file")) << result.err;
}

TEST_F(cli_test, invalid_config_names_file_key_and_reason) {
    dir_.write("bad.toml", "[herd]\nlinks = [[\"A\", \"Nobody\"]]\n[servers.A]\nhost = \"127.0.0.1\"\nport = 1\n");
    const auto result = run_herd({"serve", "A", "--config", dir_.file("bad.toml")}, dir_.path());
    EXPECT_EQ(result.status, 2);
    EXPECT_TRUE(contains(result.err, "bad.toml:2: herd.links[0]: unknown member 'Nobody'")) << result.err;
}

TEST_F(cli_test, busy_port_is_a_clear_error) {
    const auto first = start_member("Alpha", herd_.ports.at("Alpha"), config_, dir_.path());
    const auto result = run_herd({"serve", "Alpha", "--config", config_}, dir_.path());
    EXPECT_EQ(result.status, 1);
    EXPECT_TRUE(contains(result.err, "cannot listen on 127.0.0.1:" + std::to_string(herd_.ports.at("Alpha")) +
                                         ": Address already in use"))
        << result.err;
}

TEST_F(cli_test, missing_places_file_is_a_clear_error) {
    herd_.extra = "";
    std::string text = dir_.read("herd.toml");
    text.replace(text.find("file = \""), 8, "file = \"/nonexistent");
    dir_.write("noplaces.toml", text);
    const auto result = run_herd({"serve", "Alpha", "--config", dir_.file("noplaces.toml")}, dir_.path());
    EXPECT_EQ(result.status, 1);
    EXPECT_TRUE(contains(result.err, "cannot read the places file")) << result.err;
}

TEST_F(cli_test, a_member_with_neighbours_and_no_secret_does_not_start) {
    ::unsetenv("HERD_SECRET");
    const auto result = run_herd({"serve", "Alpha", "--config", config_}, dir_.path());
    ::setenv("HERD_SECRET", test_secret, 1);
    EXPECT_EQ(result.status, 2);
    EXPECT_TRUE(contains(result.err, "peer links need the herd secret in the environment variable HERD_SECRET"))
        << result.err;
}

TEST_F(cli_test, up_makes_a_secret_when_none_is_set_and_its_members_link) {
    ::unsetenv("HERD_SECRET");
    herd_process up({"up", "--config", config_}, dir_.path(), "up");
    ::setenv("HERD_SECRET", test_secret, 1);
    ASSERT_TRUE(both_listen());
    line_client alpha(herd_.ports.at("Alpha"));
    alpha.send("IAMAT made.secret +1+1 1\n");
    std::string at_line = alpha.read_lines(1);
    ASSERT_TRUE(at_line.starts_with("AT Alpha ")) << at_line;
    at_line.pop_back();
    EXPECT_TRUE(wait_until(
        [&] {
            line_client beta(herd_.ports.at("Beta"));
            beta.send("WHATSAT made.secret 0 0\n");
            return beta.read_lines(1) == at_line + "\n";
        },
        10s));
    EXPECT_TRUE(contains(up.out(), "made a herd secret for this run")) << up.out();
}

TEST_F(cli_test, send_prints_the_reply) {
    const auto member = start_member("Alpha", herd_.ports.at("Alpha"), config_, dir_.path());
    const auto result = run_herd({"send", "Alpha", "--config", config_, "IAMAT k +1+1 1"}, dir_.path());
    EXPECT_EQ(result.status, 0) << result.err;
    EXPECT_TRUE(result.out.starts_with("AT Alpha ")) << result.out;
    EXPECT_TRUE(result.out.ends_with(" k +1+1 1\n")) << result.out;
}

TEST_F(cli_test, send_reads_lines_from_stdin) {
    const auto member = start_member("Alpha", herd_.ports.at("Alpha"), config_, dir_.path());
    const auto result =
        run_herd({"send", "Alpha", "--config", config_}, dir_.path(), "IAMAT k +1+1 1\nnonsense\nWHATSAT k 0 0");
    EXPECT_EQ(result.status, 0) << result.err;
    EXPECT_TRUE(contains(result.out, "? nonsense\n")) << result.out;
    EXPECT_TRUE(contains(result.out, "\"status\" : \"ZERO_RESULTS\"")) << result.out;
    EXPECT_TRUE(result.out.ends_with("}\n\n")) << result.out;
}

TEST_F(cli_test, send_to_a_member_that_is_down_fails_clearly) {
    const auto result = run_herd({"send", "Beta", "--config", config_, "IAMAT k +1+1 1"}, dir_.path());
    EXPECT_EQ(result.status, 1);
    EXPECT_TRUE(contains(result.err, "cannot connect to Beta at 127.0.0.1:" + std::to_string(herd_.ports.at("Beta"))))
        << result.err;
}

// Lines that could not all be sent (the member went away) are a failure, not exit 0.
TEST_F(cli_test, send_fails_when_the_connection_breaks) {
    const int beta = listen_on(herd_.ports.at("Beta"));
    ASSERT_GE(beta, 0);
    std::thread slammer([beta] { // takes the connection and closes it at once
        const int fd = ::accept(beta, nullptr, nullptr);
        if (fd >= 0) {
            ::close(fd);
        }
    });
    std::string input;
    for (int i = 0; i < 200'000; ++i) {
        input += "IAMAT client-with-a-longish-name +34.068930-118.445127 1621464827.959498503\n"; // 16 MB in all
    }
    const auto result = run_herd({"send", "Beta", "--config", config_}, dir_.path(), input, 30s);
    slammer.join();
    ::close(beta);
    EXPECT_EQ(result.status, 1) << result.err;
    EXPECT_TRUE(contains(result.err, "the connection to Beta broke")) << result.err;
}

// A member that takes the connection but never answers (here: a port nobody accepts on, whose
// kernel completes the handshake) is given up on, not waited for forever.
TEST_F(cli_test, send_gives_up_on_a_member_that_never_answers) {
    const int beta = listen_on(herd_.ports.at("Beta"));
    ASSERT_GE(beta, 0);
    expect_gives_up({"send", "Beta", "--config", config_, "--timeout-ms", "300", "IAMAT k +1+1 1"},
                    "herd: no reply from Beta for 300 ms (1 reply not received)");
    ::close(beta);
}

// A member that reads the lines and closes having answered only some of them: the replies
// missing are a failure the caller sees, with what did come printed.
TEST_F(cli_test, send_fails_when_the_member_closes_before_every_reply) {
    const int beta = listen_on(herd_.ports.at("Beta"));
    ASSERT_GE(beta, 0);
    const std::string lines = "IAMAT a +1+1 1\nWHATSAT a 10 5\n";
    std::thread member([beta, &lines] { // answers the first line only, then closes cleanly
        const int fd = ::accept(beta, nullptr, nullptr);
        if (fd < 0) {
            return;
        }
        std::string got;
        char buffer[256];
        ssize_t n = 0;
        while (got.size() < lines.size() && (n = ::read(fd, buffer, sizeof buffer)) > 0) {
            got.append(buffer, static_cast<std::size_t>(n));
        }
        const std::string reply = "AT Beta +0.1 a +1+1 1\n";
        [[maybe_unused]] const ssize_t written = ::write(fd, reply.data(), reply.size());
        ::close(fd);
    });
    const auto result = run_herd({"send", "Beta", "--config", config_}, dir_.path(), lines, 30s);
    member.join();
    ::close(beta);
    EXPECT_EQ(result.status, 1) << result.err;
    EXPECT_EQ(result.out, "AT Beta +0.1 a +1+1 1\n");
    EXPECT_TRUE(contains(result.err, "herd: the connection to Beta broke: Beta closed it (1 reply not received)"))
        << result.err;
}

// Someone typing at a member that closes the connection (here its idle timeout) is told at
// once, not when they next press Enter, or never.
TEST_F(cli_test, send_reading_stdin_reports_a_member_that_closes_the_connection) {
    herd_.extra = "[limits]\nidle_timeout_ms = 300\n";
    herd_.write_config(dir_);
    const auto member = start_member("Alpha", herd_.ports.at("Alpha"), config_, dir_.path());
    const std::string typing = dir_.file("typing");
    ASSERT_EQ(::mkfifo(typing.c_str(), 0600), 0);
    const int keyboard = ::open(typing.c_str(), O_RDWR); // held open: the input never ends
    ASSERT_GE(keyboard, 0);
    herd_process send({"send", "Alpha", "--config", config_}, dir_.path(), "send", typing);
    const std::string line = "IAMAT k +1+1 1\n";
    ASSERT_EQ(::write(keyboard, line.data(), line.size()), static_cast<ssize_t>(line.size()));
    const auto status = send.wait(10s);
    ::close(keyboard);
    ASSERT_TRUE(status.has_value()) << "still waiting for input after the member closed";
    EXPECT_EQ(*status, 1) << send.err();
    EXPECT_TRUE(send.out().starts_with("AT Alpha ")) << send.out();
    EXPECT_TRUE(contains(send.err(), "herd: the connection to Alpha broke: Alpha closed it\n")) << send.err();
}

// Replies that cannot be written out (here stdout is /dev/full) are lost: a failure, not exit 0.
TEST_F(cli_test, send_fails_when_it_cannot_write_the_replies) {
    const auto member = start_member("Alpha", herd_.ports.at("Alpha"), config_, dir_.path());
    herd_process send({"-c", R"(exec "$0" send Alpha --config "$1" "IAMAT k +1+1 1" > /dev/full)", HERD_BINARY, config_},
                      dir_.path(), "send", "/dev/null", "/bin/bash");
    EXPECT_EQ(send.wait(10s), 1) << send.err();
    EXPECT_TRUE(contains(send.err(), "herd: cannot write the replies: No space left on device")) << send.err();
}

// A line longer than any member takes is not held in memory without end.
TEST_F(cli_test, send_refuses_an_input_line_longer_than_any_member_takes) {
    const auto member = start_member("Alpha", herd_.ports.at("Alpha"), config_, dir_.path());
    const std::string endless((std::size_t{1} << 24) + 64 * 1024, 'x'); // 16 MiB and more, no LF
    const auto result = run_herd({"send", "Alpha", "--config", config_}, dir_.path(), endless, 30s);
    EXPECT_EQ(result.status, 1) << result.err;
    EXPECT_TRUE(contains(result.err, "herd: a line of the input is longer than any member takes (16777216 bytes)"))
        << result.err;
}

TEST_F(cli_test, up_starts_every_member_and_stops_them_on_sigterm) {
    herd_process up({"up", "--config", config_}, dir_.path(), "up");
    ASSERT_TRUE(both_listen()) << up.err();
    line_client client(herd_.ports.at("Beta"));
    client.send("IAMAT k +1+1 1\n");
    EXPECT_TRUE(client.read_lines(1).starts_with("AT Beta "));
    up.signal(SIGTERM);
    EXPECT_EQ(up.wait(10s), 0);
    EXPECT_FALSE(port_accepts(herd_.ports.at("Alpha")));
    EXPECT_FALSE(port_accepts(herd_.ports.at("Beta")));
    EXPECT_TRUE(contains(up.out(), "started Alpha")) << up.out();
    EXPECT_TRUE(contains(up.out(), "all members stopped")) << up.out();
}

// The full gazetteer takes a while to load: `up` must not call the herd up meanwhile.
TEST_F(cli_test, up_says_the_herd_is_up_only_once_every_member_listens) {
    std::string text = dir_.read("herd.toml");
    const std::string fixture = std::string(HERD_TEST_DATA) + "/places.json";
    text.replace(text.find(fixture), fixture.size(), std::string(HERD_TEST_DATA) + "/../../data/cities.json");
    dir_.write("herd.toml", text);
    herd_process up({"up", "--config", config_}, dir_.path(), "up");
    ASSERT_TRUE(wait_until([&] { return contains(up.out(), "2 members up"); }, 60s)) << up.out() << up.err();
    EXPECT_TRUE(port_accepts(herd_.ports.at("Alpha")));
    EXPECT_TRUE(port_accepts(herd_.ports.at("Beta")));
    up.signal(SIGTERM);
    EXPECT_EQ(up.wait(10s), 0) << up.err();
}

// A member that cannot start (its port is taken) stops the whole start: a herd with a hole
// in it is not what `up` was asked for.
TEST_F(cli_test, up_stops_the_herd_when_a_member_cannot_start) {
    const int taken = listen_on(herd_.ports.at("Beta"));
    ASSERT_GE(taken, 0);
    herd_process up({"up", "--config", config_}, dir_.path(), "up");
    const auto status = up.wait(20s);
    ::close(taken);
    ASSERT_TRUE(status.has_value()) << "still running with a member missing: " << up.out();
    EXPECT_EQ(*status, 1) << up.err();
    EXPECT_TRUE(contains(up.err(), ") exited with status 1")) << up.err();
    EXPECT_TRUE(contains(up.err(), "herd: Beta did not start (see above)\n")) << up.err();
    EXPECT_TRUE(contains(up.err(), "herd: not every member started: stopping the herd\n")) << up.err();
    EXPECT_FALSE(contains(up.out(), "members up")) << up.out();
    EXPECT_FALSE(port_accepts(herd_.ports.at("Alpha"))); // stopped with the rest
}

// What only a member finds wrong in the config (a Google backend without its key) makes
// `up` a config error too.
TEST_F(cli_test, up_exits_2_when_its_members_find_the_config_wrong) {
    std::string text = dir_.read("herd.toml");
    const std::string offline = "backend = \"offline\"";
    text.replace(text.find(offline), offline.size(), "backend = \"google\"\napi_key_env = \"HERD_TEST_NO_SUCH_KEY\"");
    dir_.write("herd.toml", text);
    herd_process up({"up", "--config", config_}, dir_.path(), "up");
    const auto status = up.wait(20s);
    ASSERT_TRUE(status.has_value()) << up.out();
    EXPECT_EQ(*status, 2) << up.err();
    EXPECT_TRUE(contains(up.err(), "HERD_TEST_NO_SUCH_KEY (places.api_key_env), which is not set")) << up.err();
}

// Kills Beta as an operator would (its pid is what `up` printed) and checks that `up` reports
// it, keeps Alpha, and exits 1 when stopped later.
void expect_up_reports_beta_s_death(herd_process& up, const test_herd& herd) {
    // A member that ends before `up` has heard every member listen fails the start instead.
    ASSERT_TRUE(wait_until([&] { return contains(up.out(), "2 members up"); }, 20s)) << up.out();
    const std::string out = up.out();
    const auto at = out.find("started Beta");
    ASSERT_NE(at, std::string::npos) << out;
    const pid_t pid = std::stoi(out.substr(out.find("pid", at) + 3));
    ::kill(pid, SIGKILL);
    ASSERT_TRUE(wait_until([&] { return contains(up.err(), "member Beta"); }, 10s)) << up.err();
    EXPECT_TRUE(contains(up.err(), "member Beta (pid " + std::to_string(pid) + ") killed by signal")) << up.err();
    EXPECT_TRUE(port_accepts(herd.ports.at("Alpha"))); // the others keep serving
    // Stopped later, `up` still says that not all went well.
    up.signal(SIGTERM);
    EXPECT_EQ(up.wait(10s), 1);
    EXPECT_TRUE(contains(up.err(), "1 of 2 members ended before the stop")) << up.err();
}

TEST_F(cli_test, up_reports_a_member_that_dies) {
    herd_process up({"up", "--config", config_}, dir_.path(), "up");
    ASSERT_TRUE(both_listen()) << up.err();
    expect_up_reports_beta_s_death(up, herd_);
}

// A SIGCHLD ignored by whoever started `up` is inherited; the kernel would then reap members
// itself, and `up` would never hear of a death.
TEST_F(cli_test, up_started_with_sigchld_ignored_still_reports_a_member_that_dies) {
    herd_process up({"-c", R"(trap '' CHLD; exec "$0" up --config "$1")", HERD_BINARY, config_}, dir_.path(), "up",
                    "/dev/null", "/bin/bash");
    ASSERT_TRUE(both_listen()) << up.err();
    expect_up_reports_beta_s_death(up, herd_);
}

// A member that does not stop when asked (here: frozen with SIGSTOP) is killed once its grace
// is over, and `up` says so and exits 1: a stop that needed a kill is not a clean one.
TEST_F(cli_test, up_kills_a_member_that_does_not_stop_and_exits_1) {
    herd_process up({"up", "--config", config_}, dir_.path(), "up");
    ASSERT_TRUE(both_listen()) << up.err();
    const std::string out = up.out();
    const auto at = out.find("started Beta");
    ASSERT_NE(at, std::string::npos) << out;
    const pid_t beta = std::stoi(out.substr(out.find("pid", at) + 3));
    ::kill(beta, SIGSTOP);
    up.signal(SIGTERM);
    EXPECT_EQ(up.wait(20s), 1); // after the 3 s grace and the 2 s margin
    EXPECT_TRUE(contains(up.err(), "member Beta (pid " + std::to_string(beta) + ") still running after 5000 ms: killing it"))
        << up.err();
    EXPECT_TRUE(contains(up.err(), "1 of 2 members did not stop cleanly")) << up.err();
    EXPECT_FALSE(contains(up.err(), "member Alpha")) << up.err();
    EXPECT_FALSE(port_accepts(herd_.ports.at("Beta")));
}

TEST_F(cli_test, up_killed_takes_its_members_with_it) {
    herd_process up({"up", "--config", config_}, dir_.path(), "up");
    ASSERT_TRUE(both_listen()) << up.err();
    std::vector<pid_t> members; // from what `up` printed, to clean up whatever happens
    const std::string out = up.out();
    for (auto at = out.find(" pid "); at != std::string::npos; at = out.find(" pid ", at + 1)) {
        members.push_back(std::stoi(out.substr(at + 5)));
    }
    ASSERT_EQ(members.size(), 2u) << out;
    up.signal(SIGKILL); // no chance to stop them itself
    EXPECT_TRUE(wait_until(
        [&] { return !port_accepts(herd_.ports.at("Alpha")) && !port_accepts(herd_.ports.at("Beta")); }, 10s));
    for (const pid_t pid : members) {
        ::kill(pid, SIGKILL); // gone already, unless the test failed
    }
}

TEST_F(cli_test, bench_propagation_prints_percentiles_of_updates_seen_across_a_link) {
    const auto alpha = start_member("Alpha", herd_.ports.at("Alpha"), config_, dir_.path());
    const auto beta = start_member("Beta", herd_.ports.at("Beta"), config_, dir_.path());
    const auto result =
        run_herd({"bench", "propagation", "--from", "Alpha", "--to", "Beta", "--count", "20", "--config", config_},
                 dir_.path(), "", 60s);
    EXPECT_EQ(result.status, 0) << result.err;
    const auto json = boost::json::parse(result.out).as_object();
    EXPECT_EQ(json.at("mode").as_string(), "propagation");
    EXPECT_EQ(json.at("count").as_int64(), 20);
    EXPECT_EQ(json.at("lost").as_int64(), 0);
    EXPECT_GT(json.at("p50_us").as_double(), 0.0);
    EXPECT_LE(json.at("p50_us").as_double(), json.at("p99_us").as_double());
    EXPECT_GT(json.at("observer_p50_us").as_double(), 0.0);
    EXPECT_LE(json.at("observer_p50_us").as_double(), json.at("observer_p99_us").as_double());
    EXPECT_TRUE(contains(result.err, "propagation Alpha -> Beta: 20/20")) << result.err;
}

TEST_F(cli_test, bench_propagation_times_the_update_not_the_reply) {
    // Alpha answers each IAMAT 400 ms late; Beta shows every client at once. The update is
    // visible at Beta long before Alpha's reply arrives, and the probe must time that.
    const scripted_server alpha(herd_.ports.at("Alpha"), 400ms, "AT Alpha +0.000000001 x +0+0 1.0\n");
    const scripted_server beta(herd_.ports.at("Beta"), 0ms, "AT Alpha +0.000000001 x +0+0 1.0\n{}\n\n");
    ASSERT_TRUE(alpha.listening() && beta.listening());
    const auto result =
        run_herd({"bench", "propagation", "--from", "Alpha", "--to", "Beta", "--count", "3", "--config", config_},
                 dir_.path(), "", 20s);
    EXPECT_EQ(result.status, 0) << result.err;
    const auto json = boost::json::parse(result.out).as_object();
    EXPECT_EQ(json.at("count").as_int64(), 3);
    EXPECT_LT(json.at("p99_us").as_double(), 200'000.0);
}

TEST_F(cli_test, bench_propagation_gives_up_on_a_member_that_stops_answering) {
    const auto alpha = start_member("Alpha", herd_.ports.at("Alpha"), config_, dir_.path());
    const int beta = listen_on(herd_.ports.at("Beta")); // connections complete; nothing answers
    ASSERT_GE(beta, 0);
    expect_gives_up({"bench", "propagation", "--from", "Alpha", "--to", "Beta", "--count", "3", "--config", config_},
                    "Beta did not answer within 5000 ms");
    ::close(beta);
}

TEST_F(cli_test, bench_propagation_to_an_unknown_member_is_a_config_error) {
    const auto result =
        run_herd({"bench", "propagation", "--from", "Alpha", "--to", "Nobody", "--config", config_}, dir_.path());
    EXPECT_EQ(result.status, 2);
    EXPECT_TRUE(contains(result.err, "no member named 'Nobody'")) << result.err;
}

// The CPUs this test may run on, in order (the probe needs two: a waker's and a sleeper's).
std::vector<int> cpus_allowed() {
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    std::vector<int> cpus;
    if (::sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
        for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
            if (CPU_ISSET(cpu, &allowed)) {
                cpus.push_back(cpu);
            }
        }
    }
    return cpus;
}

TEST_F(cli_test, bench_wakeup_times_wake_ups_back_to_back_and_after_the_other_cpu_idled) {
    const auto started = std::chrono::steady_clock::now();
    const auto result = run_herd({"bench", "wakeup", "--rounds", "10", "--idle-us", "30000"}, dir_.path(), "", 30s);
    const auto took = std::chrono::steady_clock::now() - started;
    const std::vector<int> cpus = cpus_allowed();
    if (cpus.size() < 2) {
        EXPECT_EQ(result.status, 1);
        EXPECT_TRUE(contains(result.err, "needs two CPUs")) << result.err;
        return;
    }
    ASSERT_EQ(result.status, 0) << result.err;
    const auto json = boost::json::parse(result.out).as_object();
    EXPECT_EQ(json.at("mode").as_string(), "wakeup");
    EXPECT_EQ(json.at("rounds").as_int64(), 10);
    EXPECT_EQ(json.at("idle_us").as_int64(), 30000);
    EXPECT_EQ(json.at("cpus"), (boost::json::array{cpus[0], cpus[1]})); // the first two it may use
    for (const std::string prefix : {"", "back_to_back_"}) {
        const double p50 = json.at(prefix + "p50_us").as_double();
        EXPECT_GT(p50, 0.0) << prefix;
        EXPECT_LE(p50, json.at(prefix + "p99_us").as_double()) << prefix;
        EXPECT_LE(json.at(prefix + "p99_us").as_double(), json.at(prefix + "max_us").as_double()) << prefix;
    }
    // Each of the second ten waited 30 ms first, and no sample counts that wait.
    EXPECT_GE(took, 300ms);
    EXPECT_LT(json.at("p50_us").as_double(), 30'000.0);
    EXPECT_TRUE(contains(result.err, "wakeup: 20/20")) << result.err;
}

TEST_F(cli_test, bench_wakeup_on_one_cpu_says_it_needs_two) {
    // taskset (util-linux) confines it to one CPU, as a one-CPU machine would.
    const std::vector<int> cpus = cpus_allowed();
    ASSERT_FALSE(cpus.empty());
    herd_process probe({"-c", std::to_string(cpus[0]), HERD_BINARY, "bench", "wakeup", "--rounds", "10"}, dir_.path(),
                       "taskset", "/dev/null", "/usr/bin/taskset");
    EXPECT_EQ(probe.wait(20s), std::optional<int>(1));
    EXPECT_TRUE(contains(probe.err(), "herd: bench wakeup: needs two CPUs to run on")) << probe.err();
    EXPECT_TRUE(probe.out().empty()) << probe.out();
}

TEST_F(cli_test, bench_wakeup_refuses_rounds_or_idle_out_of_range) {
    for (const std::vector<std::string>& args : {std::vector<std::string>{"--rounds", "0"},
                                                 {"--rounds", "100001"},
                                                 {"--idle-us", "0"},
                                                 {"--idle-us", "100001"}}) {
        std::vector<std::string> command{"bench", "wakeup"};
        command.insert(command.end(), args.begin(), args.end());
        const auto result = run_herd(command, dir_.path());
        EXPECT_EQ(result.status, 2) << args[0] << " " << args[1];
        EXPECT_TRUE(contains(result.err, args[0])) << result.err;
        EXPECT_TRUE(result.out.empty()) << result.out;
    }
}

TEST_F(cli_test, bench_load_keeps_commands_in_flight_and_reports_every_answer) {
    const auto alpha = start_member("Alpha", herd_.ports.at("Alpha"), config_, dir_.path());
    const auto json = load_alpha({"--mode", "iamat", "-n", "4", "-k", "8", "--ids", "50", "--count", "400", "--seconds",
                                  "30", "--label", "unit"});
    EXPECT_EQ(json.at("mode").as_string(), "iamat");
    EXPECT_EQ(json.at("label").as_string(), "unit");
    EXPECT_EQ(json.at("connections").as_int64(), 4);
    EXPECT_EQ(json.at("depth").as_int64(), 8);
    EXPECT_EQ(json.at("answered").as_int64(), 400);
    EXPECT_EQ(json.at("errors").as_int64(), 0);
    EXPECT_GT(json.at("per_second").to_number<double>(), 0.0);
    // 400 commands cost the generator some CPU, and far less than a millisecond each.
    EXPECT_GT(json.at("client_cpu_us").to_number<double>(), 0.0);
    EXPECT_LT(json.at("client_cpu_us").to_number<double>(), 1000.0);
    EXPECT_LE(json.at("p50_us").to_number<double>(), json.at("p99_us").to_number<double>());
    EXPECT_LE(json.at("p99_us").to_number<double>(), json.at("p999_us").to_number<double>());

    // The member now knows the 50 clients: WHATSATs about them are answered, not `?`.
    line_client client(herd_.ports.at("Alpha"));
    client.send("WHATSAT bench49 0 0\n");
    EXPECT_TRUE(client.read_lines(1).starts_with("AT Alpha ")) << "bench49 unknown";
    const auto whatsat_json = load_alpha({"--mode", "whatsat", "-n", "2", "-k", "4", "--ids", "50", "--count", "100"});
    EXPECT_EQ(whatsat_json.at("answered").as_int64(), 100);
    EXPECT_EQ(whatsat_json.at("errors").as_int64(), 0);

    // IDs nobody reported: every WHATSAT is answered `?`, and counted as an error.
    const auto unknown = load_alpha({"--mode", "whatsat", "--prefix", "ghost", "-n", "1", "-k", "2", "--count", "10"});
    EXPECT_EQ(unknown.at("errors").as_int64(), 10);
}

TEST_F(cli_test, bench_load_idle_holds_connections_open_without_sending) {
    const auto alpha = start_member("Alpha", herd_.ports.at("Alpha"), config_, dir_.path());
    const auto idle = load_alpha({"--mode", "idle", "-n", "20", "--seconds", "1"});
    EXPECT_EQ(idle.at("answered").as_int64(), 0);
    EXPECT_GE(idle.at("seconds").to_number<double>(), 0.99); // held for the run, not closed at once
    EXPECT_TRUE(idle.at("client_cpu_us").is_null()); // no command, no cost per command
    const bool all_logged = wait_until(
        [&] {
            const std::string log = dir_.read("logs/Alpha.log");
            std::size_t closed = 0;
            for (auto at = log.find("disconnected: closed by client"); at != std::string::npos;
                 at = log.find("disconnected: closed by client", at + 1)) {
                ++closed;
            }
            return closed >= 20;
        },
        10s);
    EXPECT_TRUE(all_logged) << dir_.read("logs/Alpha.log");
}

TEST_F(cli_test, bench_load_against_the_echo_ceiling) {
    const std::uint16_t port = free_port();
    herd_process echo({std::to_string(port)}, dir_.path(), "echo", "/dev/null", ECHO_SERVER_BINARY);
    ASSERT_TRUE(wait_until([&] { return port_accepts(port); }, 10s)) << echo.err();
    const auto json = load_result(run_herd(
        {"bench", "load", "--address", "127.0.0.1:" + std::to_string(port), "-n", "3", "-k", "16", "--count", "3000"},
        dir_.path(), "", 60s));
    EXPECT_EQ(json.at("answered").as_int64(), 3000);
    EXPECT_EQ(json.at("errors").as_int64(), 0); // every line came back as sent
}

TEST_F(cli_test, bench_load_gives_up_on_a_server_that_never_answers) {
    // A socket that listens but is never accepted: the kernel completes connections, and
    // nothing ever answers them.
    const std::uint16_t port = free_port();
    const int listener = listen_on(port);
    ASSERT_GE(listener, 0);
    expect_gives_up({"bench", "load", "--address", "127.0.0.1:" + std::to_string(port), "-n", "2", "--count", "4",
                     "--seconds", "1"},
                    "2 connections still owed replies 5 s after the end: closing them");
    ::close(listener);
}

TEST_F(cli_test, bench_load_paced_stops_at_the_deadline) {
    const auto alpha = start_member("Alpha", herd_.ports.at("Alpha"), config_, dir_.path());
    // 4 connections at 1 command per second in all: each is due every 4 s, staggered by 1 s,
    // so in 2 s only the first two are due; the others must not hold the run open.
    const auto json = load_alpha({"-n", "4", "--rate", "1", "--seconds", "2"});
    EXPECT_GE(json.at("answered").as_int64(), 2);
    EXPECT_LE(json.at("answered").as_int64(), 3);
    EXPECT_LT(json.at("seconds").to_number<double>(), 3.0);
}

// A script stops a background load with SIGINT (bench/run does, for the load under a
// propagation probe): the run ends then, as at its deadline, and still prints its line.
TEST_F(cli_test, bench_load_ends_early_on_sigint_and_prints_its_line) {
    const auto alpha = start_member("Alpha", herd_.ports.at("Alpha"), config_, dir_.path());
    for (const std::string rate : {"0", "200"}) { // flat out, and paced
        herd_process load({"bench", "load", "--to", "Alpha", "-n", "4", "--rate", rate, "--count", "1000000000",
                           "--seconds", "60", "--config", config_},
                          dir_.path(), "load-" + rate);
        std::this_thread::sleep_for(1500ms);
        load.signal(SIGINT);
        const auto status = load.wait(10s);
        ASSERT_EQ(status, 0) << load.err();
        const auto json = boost::json::parse(load.out()).as_object();
        EXPECT_GT(json.at("answered").as_int64(), 0) << rate;
        EXPECT_EQ(json.at("answered").as_int64(), json.at("issued").as_int64()) << rate;
        EXPECT_LT(json.at("seconds").to_number<double>(), 10.0) << rate;
    }
}

// Paced at 100/s on one connection against a server that takes 400 ms a reply: about 200
// commands fall due in 2 s and 5 go out. The rest must be reported, not silently skipped.
TEST_F(cli_test, bench_load_paced_reports_the_commands_it_fell_behind_on) {
    const std::uint16_t port = free_port();
    const scripted_server slow(port, 400ms, "AT Alpha +0.000000001 x +0+0 1.0\n");
    ASSERT_TRUE(slow.listening());
    const auto json = load_result(run_herd({"bench", "load", "--address", "127.0.0.1:" + std::to_string(port), "-n",
                                            "1", "--rate", "100", "--count", "1000000", "--seconds", "2"},
                                           dir_.path(), "", 30s));
    const auto sent = json.at("issued").as_int64();
    const auto behind = json.at("behind").as_int64();
    EXPECT_LE(sent, 8);
    EXPECT_GE(behind, 170);
    EXPECT_LE(sent + behind, 202); // due in [0, 2 s) at one each 10 ms
    // No more than the count allows are due.
    const std::uint16_t other_port = free_port();
    const scripted_server other(other_port, 400ms, "AT Alpha +0.000000001 x +0+0 1.0\n"); // one connection each
    ASSERT_TRUE(other.listening());
    const auto counted = load_result(run_herd({"bench", "load", "--address", "127.0.0.1:" + std::to_string(other_port), "-n",
                                               "1", "--rate", "100", "--count", "10", "--seconds", "2"},
                                              dir_.path(), "", 30s));
    EXPECT_EQ(counted.at("issued").as_int64() + counted.at("behind").as_int64(), 10);
}

// One connection at 10.0001/s for 1 s: commands fall due every 99.999 ms, the eleventh 10 us
// before the end, and its wake-up (rounded up to the 200 us grid) comes at the end. The reply
// before it came long before: the server did not hold it back, so it is not behind.
TEST_F(cli_test, bench_load_paced_a_command_due_as_the_run_ends_is_not_behind) {
    const std::uint16_t port = free_port();
    herd_process echo({std::to_string(port)}, dir_.path(), "echo", "/dev/null", ECHO_SERVER_BINARY);
    ASSERT_TRUE(wait_until([&] { return port_accepts(port); }, 10s)) << echo.err();
    const auto json = load_result(run_herd({"bench", "load", "--address", "127.0.0.1:" + std::to_string(port), "-n",
                                            "1", "--rate", "10.0001", "--count", "1000", "--seconds", "1"},
                                           dir_.path(), "", 30s));
    EXPECT_EQ(json.at("answered").as_int64(), 10);
    EXPECT_EQ(json.at("behind").as_int64(), 0);
}

// The first SIGINT waits for replies owed; a second one ends the run at once.
TEST_F(cli_test, bench_load_a_second_sigint_ends_it_at_once) {
    const std::uint16_t port = free_port();
    const int listener = listen_on(port); // connections complete; nothing ever answers
    ASSERT_GE(listener, 0);
    herd_process load({"bench", "load", "--address", "127.0.0.1:" + std::to_string(port), "-n", "2", "--seconds", "60"},
                      dir_.path(), "stuck");
    std::this_thread::sleep_for(1s);
    load.signal(SIGINT);
    std::this_thread::sleep_for(500ms);
    EXPECT_FALSE(load.wait(0ms)); // still waiting for the replies owed
    load.signal(SIGINT);
    EXPECT_EQ(load.wait(3s), 130) << load.err();
    ::close(listener);
}

// An idle connection the server closes (or refuses, as Redis does past maxclients) is not
// held: the run says so and fails rather than count it.
TEST_F(cli_test, bench_load_idle_fails_when_the_server_closes_a_connection) {
    const std::uint16_t port = free_port();
    const int listener = listen_on(port);
    ASSERT_GE(listener, 0);
    std::thread closer([listener] {
        for (int i = 0; i < 3; ++i) {
            const int fd = ::accept(listener, nullptr, nullptr);
            if (fd >= 0) {
                ::close(fd);
            }
        }
    });
    const auto result = run_herd(
        {"bench", "load", "--address", "127.0.0.1:" + std::to_string(port), "--mode", "idle", "-n", "3", "--seconds", "2"},
        dir_.path(), "", 30s);
    closer.join();
    ::close(listener);
    EXPECT_EQ(result.status, 1) << result.err;
    EXPECT_TRUE(contains(result.err, "idle connection 0: closed by the server")) << result.err;
}

TEST_F(cli_test, bench_load_refuses_a_bad_target) {
    const auto no_target = run_herd({"bench", "load", "--count", "1"}, dir_.path());
    EXPECT_EQ(no_target.status, 2);
    EXPECT_TRUE(contains(no_target.err, "give --to MEMBER or --address HOST:PORT")) << no_target.err;
    for (const std::string address : {"127.0.0.1:99999", "127.0.0.1:6000x", "127.0.0.1:"}) {
        const auto bad_port = run_herd({"bench", "load", "--address", address}, dir_.path());
        EXPECT_EQ(bad_port.status, 2) << address;
        EXPECT_TRUE(contains(bad_port.err, "bad port")) << bad_port.err;
    }
    for (const std::string rate : {"-1", "2e9"}) { // negative, or too fast to pace
        const auto bad_rate = run_herd({"bench", "load", "--to", "Alpha", "--rate", rate}, dir_.path());
        EXPECT_EQ(bad_rate.status, 2) << rate;
        EXPECT_TRUE(contains(bad_rate.err, "--rate")) << bad_rate.err;
    }
    const auto bad_label = run_herd({"bench", "load", "--to", "Alpha", "--label", "a\"b"}, dir_.path());
    EXPECT_EQ(bad_label.status, 2);
    EXPECT_TRUE(contains(bad_label.err, "no quotes")) << bad_label.err;
    const auto nobody = run_herd(
        {"bench", "load", "--address", "127.0.0.1:" + std::to_string(free_port()), "--count", "1"}, dir_.path());
    EXPECT_EQ(nobody.status, 1);
    EXPECT_TRUE(contains(nobody.err, "cannot connect")) << nobody.err;
}

} // namespace
} // namespace herd::testing_support
