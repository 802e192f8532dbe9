#include "server/request_handler.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include "places/offline_places.hpp"

namespace herd::server {
namespace {

class request_handler_test : public testing::Test {
protected:
    explicit request_handler_test(store::store_limits limits = {}) : store_(limits) {}

    // The reply to `line`, as if it arrived at `arrival`.
    std::string answer(std::string_view line, geo::nanoseconds arrival = 1621464828223371889) {
        std::string out;
        boost::asio::io_context io;
        auto done = boost::asio::co_spawn(io, handler_.handle(line, arrival, out), boost::asio::use_future);
        io.run();
        done.get();
        return out;
    }

    store::location_store store_;
    places::offline_places places_{places::load_gazetteer(HERD_TEST_DATA "/places.json"), "attr"};
    std::vector<std::string> accepted_;
    std::vector<std::string> refused_; // client IDs, with what the store threw
    request_handler handler_{"Clark", store_, places_,
                             [this](std::string_view at_line) { accepted_.emplace_back(at_line); },
                             [this](std::string_view client_id, const std::bad_alloc& why) {
                                 refused_.push_back(std::string(client_id) + ": " + why.what());
                             }};
};

// A store with room for two records the size of "AT Clark +1.000000000 k +1+1 20".
class full_store_test : public request_handler_test {
protected:
    full_store_test() : request_handler_test({.max_bytes = 2 * store::location_store::record_cost(31)}) {}
};

TEST_F(request_handler_test, only_iamats_that_change_the_store_are_offered_for_flooding) {
    answer("IAMAT k +1+1 20", 21'000'000'000);
    answer("IAMAT k +2+2 10", 21'000'000'000); // older: answered, not offered
    answer("IAMAT k +3+3 30", 31'000'000'000);
    answer("WHATSAT k 1 1");
    EXPECT_EQ(accepted_, (std::vector<std::string>{"AT Clark +1.000000000 k +1+1 20", "AT Clark +1.000000000 k +3+3 30"}));
}

TEST_F(request_handler_test, iamat_is_answered_and_kept) {
    EXPECT_EQ(answer("IAMAT kiwi.cs.ucla.edu +34.068930-118.445127 1621464827.959498503"),
              "AT Clark +0.263873386 kiwi.cs.ucla.edu +34.068930-118.445127 1621464827.959498503\n");
    ASSERT_TRUE(store_.find("kiwi.cs.ucla.edu"));
    EXPECT_EQ(store_.find("kiwi.cs.ucla.edu")->client_time_ns(), 1621464827959498503);
}

TEST_F(request_handler_test, older_iamat_is_answered_but_changes_nothing) {
    const std::string first = answer("IAMAT k +34.068930-118.445127 20", 21'000'000'000);
    EXPECT_EQ(first, "AT Clark +1.000000000 k +34.068930-118.445127 20\n");
    EXPECT_EQ(answer("IAMAT k +1+1 10", 30'000'000'000), "AT Clark +20.000000000 k +1+1 10\n");
    EXPECT_EQ(std::string(store_.find("k")->at_line()) + "\n", first);
    EXPECT_EQ(store_.find("k")->client_time_ns(), 20'000'000'000);
}

TEST_F(request_handler_test, whatsat_answers_with_the_kept_at_line_and_places) {
    answer("IAMAT kiwi +34.068930-118.445127 1621464827.959498503");
    const std::string reply = answer("WHATSAT kiwi 10 2");
    const std::string at_line = "AT Clark +0.263873386 kiwi +34.068930-118.445127 1621464827.959498503\n";
    ASSERT_EQ(reply.substr(0, at_line.size()), at_line);
    EXPECT_TRUE(reply.ends_with("}\n\n"));
    EXPECT_EQ(reply.find("\n\n"), reply.size() - 2);
    EXPECT_NE(reply.find("\"name\" : \"Bel Air\""), std::string::npos);
    EXPECT_NE(reply.find("\"name\" : \"Westwood\""), std::string::npos);
    EXPECT_EQ(reply.find("Century City"), std::string::npos);
}

TEST_F(request_handler_test, whatsat_for_an_unknown_client_is_a_question) {
    EXPECT_EQ(answer("  WHATSAT nobody 10 5 "), "? WHATSAT nobody 10 5\n");
}

TEST_F(request_handler_test, at_lines_from_clients_are_refused_and_change_nothing) {
    EXPECT_EQ(answer("AT Bona +0.1 k +1+1 1"), "? AT Bona +0.1 k +1+1 1\n");
    EXPECT_EQ(store_.size(), 0u);
}

// An IAMAT the store cannot keep is answered `?` (it is not in the store, so it must not look
// accepted), reported, and not flooded; the store's clients are still answered as before.
TEST_F(full_store_test, an_iamat_the_store_cannot_keep_is_a_question_and_is_reported) {
    EXPECT_EQ(answer("IAMAT k +1+1 20", 21'000'000'000), "AT Clark +1.000000000 k +1+1 20\n");
    EXPECT_EQ(answer("IAMAT m +1+1 20", 21'000'000'000), "AT Clark +1.000000000 m +1+1 20\n");
    EXPECT_EQ(answer(" IAMAT n +1+1 20 ", 21'000'000'000), "? IAMAT n +1+1 20\n");
    EXPECT_EQ(answer("IAMAT k +1.5+1 30", 31'000'000'000), "? IAMAT k +1.5+1 30\n"); // it grew
    EXPECT_EQ(refused_, (std::vector<std::string>{"n: the store is full (limits.store_mib)",
                                                  "k: the store is full (limits.store_mib)"}));
    EXPECT_EQ(answer("IAMAT k +2+2 40", 41'000'000'000), "AT Clark +1.000000000 k +2+2 40\n");
    EXPECT_EQ(accepted_, (std::vector<std::string>{"AT Clark +1.000000000 k +1+1 20", "AT Clark +1.000000000 m +1+1 20",
                                                   "AT Clark +1.000000000 k +2+2 40"}));
    EXPECT_FALSE(store_.find("n"));
    EXPECT_EQ(store_.find("k")->at_line(), "AT Clark +1.000000000 k +2+2 40");
}

// A backend reports upstream failures in its answer, but one that throws (out of memory,
// say) still leaves the client a reply of the usual shape, and the connection its other replies.
TEST(request_handler, a_backend_that_throws_gets_a_whatsat_reply_of_the_usual_shape) {
    struct throwing_places final : places::places_backend {
        boost::asio::awaitable<boost::json::object> nearby(places::nearby_query) override {
            throw std::runtime_error("backend broke");
            co_return boost::json::object{};
        }
    } places;
    store::location_store store;
    request_handler handler("Clark", store, places);
    std::string out;
    boost::asio::io_context io;
    const auto run = [&](std::string_view line) {
        auto done = boost::asio::co_spawn(io, handler.handle(line, 21'000'000'000, out), boost::asio::use_future);
        io.restart();
        io.run();
        done.get();
    };
    run("IAMAT k +1+1 20");
    run("WHATSAT k 10 5");
    const std::string at_line = "AT Clark +1.000000000 k +1+1 20\n";
    ASSERT_TRUE(out.starts_with(at_line + at_line + "{")) << out;
    EXPECT_NE(out.find("\"status\" : \"UNKNOWN_ERROR\""), std::string::npos) << out;
    EXPECT_NE(out.find("\"error_message\" : \"backend broke\""), std::string::npos) << out;
    EXPECT_NE(out.find("\"results\" : []"), std::string::npos) << out;
    EXPECT_TRUE(out.ends_with("}\n\n")) << out;
}

TEST_F(request_handler_test, blank_lines_get_no_reply) { EXPECT_EQ(answer(" \t\r"), ""); }

// The session writes the replies it has after a reply that waited upstream, so those ready do
// not wait behind the next look-up; the handler says which replies those are.
TEST(request_handler, says_when_a_reply_waited_for_a_backend_that_does_not_answer_at_once) {
    struct upstream_places final : places::places_backend {
        boost::asio::awaitable<boost::json::object> nearby(places::nearby_query) override {
            co_return boost::json::object{};
        }
    } upstream;
    places::offline_places offline{places::load_gazetteer(HERD_TEST_DATA "/places.json"), "attr"};
    EXPECT_TRUE(offline.answers_at_once());
    EXPECT_FALSE(upstream.answers_at_once());
    store::location_store store;
    boost::asio::io_context io;
    const auto waited = [&](places::places_backend& places, std::string_view line) {
        request_handler handler("Clark", store, places);
        std::string out;
        auto done = boost::asio::co_spawn(io, handler.handle(line, 21'000'000'000, out), boost::asio::use_future);
        io.restart();
        io.run();
        return done.get();
    };
    EXPECT_FALSE(waited(upstream, "IAMAT k +1+1 20"));
    EXPECT_TRUE(waited(upstream, "WHATSAT k 10 5"));
    EXPECT_FALSE(waited(upstream, "WHATSAT unknown 10 5")); // `?` at once
    EXPECT_FALSE(waited(upstream, "nonsense"));
    EXPECT_FALSE(waited(offline, "WHATSAT k 10 5"));
}

} // namespace
} // namespace herd::server
