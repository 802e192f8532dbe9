#include "store/location_store.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "common/byte_words.hpp"

namespace herd::store {
namespace {

constexpr geo::nanoseconds second = 1'000'000'000;

// A record from `origin` of the client and position `id_and_position`, at client time `seconds`.
location_record record(std::string origin, int seconds, std::string id_and_position = "k +1+1") {
    return location_record{"AT " + origin + " +0.000000001 " + id_and_position + " " + std::to_string(seconds),
                           seconds * second};
}

TEST(location_store, keeps_the_first_record) {
    location_store store;
    EXPECT_TRUE(store.merge(record("Clark", 5)));
    ASSERT_TRUE(store.find("k"));
    EXPECT_EQ(store.find("k")->origin(), "Clark");
    EXPECT_FALSE(store.find("other"));
}

// A link prefetches before it merges, so before the store's first record too: the index has
// no entries then, and a prefetch must not touch any.
TEST(location_store, prefetch_is_harmless_on_an_empty_store_and_changes_nothing) {
    location_store store;
    store.prefetch(location_store::key_of("nobody"));
    EXPECT_FALSE(store.find("nobody"));
    const auto first = record("Bona", 1);
    store.prefetch(location_store::key_of(first.client_id()));
    EXPECT_TRUE(store.merge(first));
    store.prefetch(location_store::key_of(first.client_id()));
    store.prefetch(location_store::key_of("nobody"));
    ASSERT_TRUE(store.find("k"));
    EXPECT_EQ(store.find("k")->at_line(), first.at_line);
    EXPECT_EQ(store.size(), 1u);
}

TEST(location_store, newer_client_time_wins_and_older_changes_nothing) {
    location_store store;
    store.merge(record("Clark", 5));
    EXPECT_TRUE(store.merge(record("Bona", 6)));
    EXPECT_EQ(store.find("k")->origin(), "Bona");
    EXPECT_FALSE(store.merge(record("Zeta", 4)));
    EXPECT_EQ(store.find("k")->origin(), "Bona");
    EXPECT_EQ(store.find("k")->client_time_ns(), 6 * second);
}

TEST(location_store, same_time_goes_to_the_higher_origin) {
    location_store store;
    store.merge(record("Bona", 5));
    EXPECT_TRUE(store.merge(record("Clark", 5)));
    EXPECT_FALSE(store.merge(record("Bailey", 5)));
    EXPECT_EQ(store.find("k")->origin(), "Clark");
}

TEST(location_store, an_identical_record_changes_nothing) {
    location_store store;
    store.merge(record("Bona", 5));
    EXPECT_FALSE(store.merge(record("Bona", 5)));
}

// A link drops a copy of the kept record unparsed: holds() must be true for exactly that line.
TEST(location_store, holds_only_the_kept_line_byte_for_byte) {
    location_store store;
    const client_key k = location_store::key_of("k");
    const auto kept = record("Bona", 5, "k +1+1");
    EXPECT_FALSE(store.holds(kept.at_line, k)); // nothing kept yet
    store.merge(kept);
    EXPECT_TRUE(store.holds(kept.at_line, k));
    EXPECT_FALSE(store.holds(kept.at_line, location_store::key_of("other")));      // another client's entry
    EXPECT_FALSE(store.holds(record("Bona", 6, "k +1+1").at_line, k));             // newer
    EXPECT_FALSE(store.holds(record("Bona", 4, "k +1+1").at_line, k));             // older
    EXPECT_FALSE(store.holds(record("Bona", 5, "k +2+2").at_line, k));             // same time, elsewhere
    EXPECT_FALSE(store.holds(record("Bona", 5, "k +1+1").at_line + " ", k));       // one byte more
    EXPECT_FALSE(store.holds(kept.at_line.substr(0, kept.at_line.size() - 1), k)); // one less
    const auto newer = record("Clark", 6, "k +1+1");
    store.merge(newer);
    EXPECT_FALSE(store.holds(kept.at_line, k)); // replaced
    EXPECT_TRUE(store.holds(newer.at_line, k));
}

TEST(location_store, every_arrival_order_converges_to_the_same_record) {
    std::array<location_record, 5> updates{record("Bona", 5), record("Clark", 7, "k +2+2"), record("Bailey", 7),
                                           record("Clark", 7, "k +3+3"), record("Jaquez", 6)};
    std::array<int, 5> order{0, 1, 2, 3, 4};
    std::string expected;
    do {
        location_store store;
        for (const int i : order) {
            store.merge(updates[static_cast<std::size_t>(i)]);
        }
        if (expected.empty()) {
            expected = store.find("k")->at_line();
        }
        ASSERT_EQ(store.find("k")->at_line(), expected);
    } while (std::next_permutation(order.begin(), order.end()));
    EXPECT_EQ(expected, "AT Clark +0.000000001 k +3+3 7");
}

TEST(location_store, a_client_repeating_a_time_to_one_member_changes_nothing_there) {
    // The same time at the same member, a line that sorts higher: PROTOCOL.md's rule has it
    // "not newer" for the client's own IAMAT, but a link's copy is ordered to converge.
    const location_record first = record("Clark", 7, "k +2+2");
    const location_record repeat = record("Clark", 7, "k +3+3");
    ASSERT_GT(repeat.at_line, first.at_line);
    location_store member;
    EXPECT_TRUE(member.merge(first, report_from::client));
    EXPECT_FALSE(member.merge(repeat, report_from::client));
    EXPECT_EQ(member.find("k")->at_line(), first.at_line);
    EXPECT_TRUE(member.merge(repeat, report_from::link));
    EXPECT_EQ(member.find("k")->at_line(), repeat.at_line);
    // Newer, or a higher origin at the same time, still wins from a client.
    EXPECT_TRUE(member.merge(record("Clark", 8, "k +1+1"), report_from::client));
    EXPECT_TRUE(member.merge(record("Jaquez", 8, "k +1+1"), report_from::client));
    EXPECT_FALSE(member.merge(record("Bona", 8, "k +9+9"), report_from::client));
}

TEST(location_store, slots_stay_put_as_records_are_added_and_replaced) {
    location_store store;
    store.merge(record("Bona", 5, "a +1+1"));
    store.merge(record("Bona", 5, "b +1+1"));
    store.merge(record("Bona", 9, "a +1+1"));
    ASSERT_EQ(store.size(), 2u);
    EXPECT_EQ(store.slot(0).client_time_ns(), 9 * second);
    EXPECT_EQ(store.slot(1).at_line().data(), store.find("b")->at_line().data());
}

TEST(location_store, bucket_digests_depend_on_the_records_not_their_order) {
    location_store forward;
    location_store backward;
    std::vector<location_record> updates;
    for (int i = 0; i < 50; ++i) {
        updates.push_back(record("Bona", i, "client" + std::to_string(i % 20) + " +1+1"));
    }
    for (const auto& r : updates) {
        forward.merge(r);
    }
    for (auto it = updates.rbegin(); it != updates.rend(); ++it) {
        backward.merge(*it);
    }
    for (std::size_t b = 0; b < location_store::bucket_count; ++b) {
        EXPECT_EQ(forward.bucket_digest(b), backward.bucket_digest(b)) << b;
    }
    const std::size_t bucket = location_store::bucket_of("client3");
    const auto before = forward.bucket_digest(bucket);
    forward.merge(record("Bona", 1000, "client3 +9+9"));
    EXPECT_NE(forward.bucket_digest(bucket), before);
    std::size_t in_bucket = 0;
    for (std::size_t slot = 0; slot < forward.size(); ++slot) {
        EXPECT_EQ(forward.slot_bucket(slot), location_store::bucket_of(forward.slot(slot).client_id()));
        in_bucket += forward.slot(slot).client_id() == "client3" && forward.slot_bucket(slot) == bucket;
    }
    EXPECT_EQ(in_bucket, 1u);
    EXPECT_EQ(location_store().bucket_digest(bucket), 0u);
}

// Members compare these values across the herd: a change here changes the peer protocol
// (bump peer::protocol_version and docs/peer-protocol.md with it).
TEST(location_store, buckets_and_digests_are_the_peer_protocols_hash) {
    const struct {
        const char* line;
        std::size_t bucket;
        std::uint64_t digest;
        geo::nanoseconds time;
    } pinned[] = {
        {"AT Clark +0.263873386 kiwi.cs.ucla.edu +34.068930-118.445127 1621464827.959498503", 30, 0xcc5d06e5c7d77385ull,
         1621464827959498503},
        {"AT B +0.000000001 k +1+1 1", 177, 0xb1ab2bd736511502ull, second},
    };
    for (const auto& p : pinned) {
        location_store store;
        const location_record r{p.line, p.time};
        store.merge(r);
        EXPECT_EQ(location_store::bucket_of(r.client_id()), p.bucket) << p.line;
        EXPECT_EQ(store.bucket_digest(p.bucket), p.digest) << p.line;
    }
}

TEST(location_store, clients_are_independent) {
    location_store store;
    store.merge(record("Bona", 5, "a +1+1"));
    store.merge(record("Clark", 1, "b +1+1"));
    EXPECT_EQ(store.size(), 2u);
    EXPECT_EQ(store.find("a")->origin(), "Bona");
    EXPECT_EQ(store.find("b")->origin(), "Clark");
}

TEST(location_store, keeps_the_line_and_reads_id_and_position_back_out_of_it) {
    location_store store;
    const location_record report{"AT Clark +0.263873386 kiwi.cs.ucla.edu +34.068930-118.445127 1621464827.959498503",
                                 1621464827959498503};
    ASSERT_TRUE(store.merge(report));
    const auto kept = store.find("kiwi.cs.ucla.edu");
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->at_line(), report.at_line);
    EXPECT_EQ(kept->client_id(), "kiwi.cs.ucla.edu");
    EXPECT_EQ(kept->client_time_ns(), 1621464827959498503);
    EXPECT_EQ(kept->origin(), "Clark");
    EXPECT_DOUBLE_EQ(kept->position().latitude, 34.06893);
    EXPECT_DOUBLE_EQ(kept->position().longitude, -118.445127);
    EXPECT_FALSE(store.find("kiwi.cs.ucla")); // a prefix is another client
}

TEST(location_store, many_clients_each_found_after_the_index_grows) {
    location_store store;
    constexpr int clients = 100'000;
    for (int i = 0; i < clients; ++i) {
        ASSERT_TRUE(store.merge(record("Bona", i, fmt::format("c{} +1+1", i))));
    }
    EXPECT_EQ(store.size(), static_cast<std::size_t>(clients));
    for (int i = 0; i < clients; ++i) {
        const auto kept = store.find(fmt::format("c{}", i));
        ASSERT_TRUE(kept) << i;
        EXPECT_EQ(kept->client_time_ns(), i * second);
    }
    EXPECT_FALSE(store.find(fmt::format("c{}", clients)));
}

// Anyone can compute the bucket hash (every member must), so a client can choose IDs that all
// share it: 16-byte IDs whose second word cancels the difference the first word made. Were
// the index to use that hash, each such ID would join one probe run that every look-up walks.
TEST(location_store, ids_chosen_to_share_the_bucket_hash_spread_over_the_index) {
    // The bucket hash's state after one word of a 16-byte ID (digest_hash's first step).
    const auto after_first_word = [](std::uint64_t word) {
        std::uint64_t h = (0x243f'6a88'85a3'08d3ull ^ 16) ^ word;
        h *= 0x9e37'79b9'7f4a'7c15ull;
        return h ^ (h >> 31);
    };
    const auto word_of = [](std::string_view eight) { return byte_words::load(eight.data()); };
    const std::string base = "collide-00000000";
    const std::uint64_t target = after_first_word(word_of("collide-")) ^ word_of("00000000");
    std::vector<std::string> ids{base};
    for (int i = 0; ids.size() < 300 && i < 100'000; ++i) {
        const std::string first = fmt::format("c{:07}", i);
        const std::uint64_t second_word = target ^ after_first_word(word_of(first));
        std::string id = first;
        for (int byte = 0; byte < 8; ++byte) {
            id.push_back(static_cast<char>(second_word >> (8 * byte)));
        }
        if (std::all_of(id.begin(), id.end(), [](char c) { return static_cast<unsigned char>(c) > ' '; })) {
            ids.push_back(id); // no white space: a valid client ID
        }
    }
    ASSERT_EQ(ids.size(), 300u);
    std::vector<std::uint64_t> index_hashes;
    for (const auto& id : ids) {
        const client_key key = location_store::key_of(id);
        ASSERT_EQ(key.hash, location_store::key_of(base).hash) << "the crafting no longer matches digest_hash";
        index_hashes.push_back(key.index_hash);
    }
    std::sort(index_hashes.begin(), index_hashes.end());
    EXPECT_EQ(std::adjacent_find(index_hashes.begin(), index_hashes.end()), index_hashes.end());
    location_store store;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        ASSERT_TRUE(store.merge(record("Bona", static_cast<int>(i), ids[i] + " +1+1")));
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
        ASSERT_TRUE(store.find(ids[i]));
        EXPECT_EQ(store.find(ids[i])->client_time_ns(), static_cast<geo::nanoseconds>(i) * second);
    }
}

// Out of memory (here: an arena of one 1 MiB chunk), a merge throws and the store is as it
// was: a new client is not half added, and a record that must move keeps its old line and
// its bucket's digest, so catch-up still compares true digests.
TEST(location_store, a_merge_that_runs_out_of_memory_changes_nothing) {
    location_store store({.arena_chunks = 1});
    std::size_t clients = 0;
    EXPECT_THROW(
        for (;; ++clients) { store.merge(record("Bona", 1, fmt::format("c{} +1+1", clients))); }, std::bad_alloc);
    ASSERT_EQ(store.size(), clients);
    EXPECT_FALSE(store.find(fmt::format("c{}", clients)));
    // c0 grows past its block: it must move, and there is no room.
    const std::string bigger = "c0 +1.000000000000000000000000000000000000+1.000000000000000000000000000000000000";
    EXPECT_THROW(store.merge(record("Bona", 2, bigger)), std::bad_alloc);
    EXPECT_EQ(store.find("c0")->client_time_ns(), 1 * second);
    // Every digest is what the records it holds give.
    location_store again;
    for (std::size_t i = 0; i < store.size(); ++i) {
        const kept_record kept = store.slot(i);
        again.merge(location_record{std::string(kept.at_line()), kept.client_time_ns()});
    }
    for (std::size_t bucket = 0; bucket < location_store::bucket_count; ++bucket) {
        EXPECT_EQ(store.bucket_digest(bucket), again.bucket_digest(bucket)) << bucket;
    }
    // The store goes on: a record that fits its block is still replaced.
    EXPECT_TRUE(store.merge(record("Bona", 3, "c1 +1+1")));
}

// A store at store_limits::max_bytes refuses what would take it past: a new client, a record
// that grows. It still takes what needs no more room, and a refusal changes nothing.
TEST(location_store, a_full_store_refuses_only_what_needs_more_room_and_changes_nothing) {
    const auto a1 = record("Bona", 1, "a +1.0+1");
    location_store store({.max_bytes = 3 * location_store::record_cost(a1.at_line.size())});
    ASSERT_TRUE(store.merge(a1));
    ASSERT_TRUE(store.merge(record("Bona", 1, "b +1.0+1")));
    ASSERT_TRUE(store.merge(record("Bona", 1, "c +1.0+1")));
    EXPECT_EQ(store.cost(), 3 * location_store::record_cost(a1.at_line.size()));
    std::array<std::uint64_t, location_store::bucket_count> digests{};
    for (std::size_t b = 0; b < digests.size(); ++b) {
        digests[b] = store.bucket_digest(b);
    }

    EXPECT_THROW(store.merge(record("Bona", 1, "d +1.0+1")), store_full); // a new client
    EXPECT_THROW(store.merge(record("Bona", 2, "a +1.00+1")), store_full); // a record that grows by a byte
    EXPECT_EQ(store.refusals(), 2u);
    EXPECT_EQ(store.size(), 3u);
    EXPECT_FALSE(store.find("d"));
    EXPECT_EQ(store.find("a")->at_line(), a1.at_line);
    for (std::size_t b = 0; b < digests.size(); ++b) {
        EXPECT_EQ(store.bucket_digest(b), digests[b]) << b;
    }

    EXPECT_FALSE(store.merge(record("Bona", 0, "a +1.00+1"))); // not newer: not kept, so not refused
    EXPECT_TRUE(store.merge(record("Bona", 2, "a +2.0+2")));    // newer, the same size
    EXPECT_EQ(store.refusals(), 2u);
    // b's record shrinks by two bytes: room for c to grow into, and no more.
    EXPECT_TRUE(store.merge(record("Bona", 2, "b +2+2")));
    EXPECT_THROW(store.merge(record("Bona", 2, "c +3.0000+3")), store_full);
    EXPECT_TRUE(store.merge(record("Bona", 2, "c +3.000+3")));
    EXPECT_EQ(store.cost(), 3 * location_store::record_cost(a1.at_line.size()));
}

// A client can make each report four bytes longer than the last (one more digit of position).
// A freed block is reused only by one of its size, so without compaction the arena would hold
// every size every record ever had: here about 110 MB for under 1 MB of records.
TEST(location_store, records_that_keep_growing_do_not_leave_the_arena_holding_every_size) {
    location_store store;
    constexpr int clients = 300;
    constexpr int rounds = 400;
    std::string position_digits;
    std::size_t live_bytes = 0;
    for (int round = 0; round < rounds; ++round) {
        position_digits += "0000";
        live_bytes = 0;
        for (int c = 0; c < clients; ++c) {
            const location_record r{fmt::format("AT Bona +0.000000001 c{} +1.{}+1 {}", c, position_digits, round + 1),
                                    (round + 1) * second};
            ASSERT_TRUE(store.merge(r));
            live_bytes += r.at_line.size();
        }
    }
    EXPECT_LT(store.arena_bytes_held(), 2 * live_bytes + (std::size_t{40} << 20)) << live_bytes << " bytes of records";
    // Every record is whole and findable after the compactions.
    for (int c = 0; c < clients; ++c) {
        const auto kept = store.find(fmt::format("c{}", c));
        ASSERT_TRUE(kept) << c;
        EXPECT_EQ(kept->at_line(), fmt::format("AT Bona +0.000000001 c{} +1.{}+1 {}", c, position_digits, rounds));
    }
}

TEST(location_store, records_that_grow_and_shrink_keep_every_other_record_intact) {
    location_store store;
    // Each client's line changes size with every update (the ID's position field grows and
    // shrinks), so blocks are released and reused by other clients all the time.
    constexpr int clients = 200;
    for (int update = 1; update <= 30; ++update) {
        for (int c = 0; c < clients; ++c) {
            const std::string digits(static_cast<std::size_t>((c + update) % 13), '5');
            ASSERT_TRUE(store.merge(record("Bona", update, fmt::format("c{} +1.{}+1", c, digits))));
        }
        for (int c = 0; c < clients; ++c) {
            const std::string digits(static_cast<std::size_t>((c + update) % 13), '5');
            const auto kept = store.find(fmt::format("c{}", c));
            ASSERT_TRUE(kept);
            ASSERT_EQ(kept->at_line(), fmt::format("AT Bona +0.000000001 c{} +1.{}+1 {}", c, digits, update));
            ASSERT_EQ(kept->client_id(), fmt::format("c{}", c));
            ASSERT_EQ(kept->client_time_ns(), update * second);
        }
    }
    EXPECT_EQ(store.size(), static_cast<std::size_t>(clients));
}

TEST(location_store, a_client_time_of_any_precision_reads_back_from_the_line) {
    location_store store;
    ASSERT_TRUE(store.merge(location_record{"AT B +0.000000001 k +1+1 12.5", 12'500'000'000}));
    EXPECT_EQ(store.find("k")->client_time_ns(), 12'500'000'000);
    // Digits past the ninth are kept in the line and do not count.
    EXPECT_FALSE(store.merge(location_record{"AT A +0.000000001 k +1+1 12.5000000001", 12'500'000'000}));
    EXPECT_TRUE(store.merge(location_record{"AT C +0.000000001 k +1+1 12.5000000001", 12'500'000'000}));
    EXPECT_EQ(store.find("k")->at_line(), "AT C +0.000000001 k +1+1 12.5000000001");
    EXPECT_EQ(store.find("k")->client_time_ns(), 12'500'000'000);
}

} // namespace
} // namespace herd::store
