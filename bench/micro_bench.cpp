// Micro-benchmarks of the per-message work: `build/bench/herd_microbench`.
#include <filesystem>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "herd/peer_message.hpp"
#include "places/json_format.hpp"
#include "places/offline_places.hpp"
#include "protocol/command.hpp"
#include "protocol/line_splitter.hpp"
#include "protocol/reply.hpp"
#include "server/log.hpp"
#include "store/location_store.hpp"

namespace {

using namespace herd;

constexpr std::string_view iamat_line = "IAMAT kiwi.cs.ucla.edu +34.068930-118.445127 1621464827.959498503";

void parse_iamat(benchmark::State& state) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(protocol::parse_command(iamat_line));
    }
}
BENCHMARK(parse_iamat);

void split_lines(benchmark::State& state) {
    std::string batch;
    for (int i = 0; i < 64; ++i) {
        batch += std::string(iamat_line) + "\n";
    }
    protocol::line_splitter splitter(8192);
    for (auto _ : state) {
        splitter.feed(batch);
        std::string_view line;
        while (splitter.next(line) == protocol::line_splitter::status::line) {
            benchmark::DoNotOptimize(line);
        }
    }
    state.SetItemsProcessed(state.iterations() * 64);
}
BENCHMARK(split_lines);

void format_at_line(benchmark::State& state) {
    const auto iamat = std::get<protocol::iamat_command>(protocol::parse_command(iamat_line));
    for (auto _ : state) {
        benchmark::DoNotOptimize(protocol::make_at_line("Clark", 1621464828223371889, iamat));
    }
}
BENCHMARK(format_at_line);

// Makes `at_line`'s client time one second later, in place: its whole seconds are the digits
// before the last field's point, or the whole last field (they start with a 1: no overflow).
void one_second_later(std::string& at_line) {
    const std::size_t point = at_line.find('.', at_line.rfind(' '));
    std::size_t digit = (point == std::string::npos ? at_line.size() : point) - 1;
    while (at_line[digit] == '9') {
        at_line[digit--] = '0';
    }
    ++at_line[digit];
}

void store_merge_newer(benchmark::State& state) {
    store::location_store store;
    const auto clients = static_cast<std::size_t>(state.range(0));
    std::vector<store::location_record> records;
    for (std::size_t i = 0; i < clients; ++i) {
        records.push_back({"AT Clark +0.000000001 client-" + std::to_string(i) + " +1+1 1000000000",
                           geo::nanoseconds{1'000'000'000} * 1'000'000'000});
    }
    std::size_t i = 0;
    for (auto _ : state) {
        // newer every time, and the line says so: each merge replaces the kept record
        one_second_later(records[i].at_line);
        records[i].client_time_ns += 1'000'000'000;
        if (!store.merge(records[i])) {
            state.SkipWithError("a merge kept the older record");
            break;
        }
        i = (i + 1) % clients;
    }
}
BENCHMARK(store_merge_newer)->Arg(1000)->Arg(1'000'000);

// bench/run's load: 10,000 clients, each with an update as Bailey floods it.
std::vector<std::string> flooded_lines() {
    constexpr std::size_t clients = 10'000;
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < clients; ++i) {
        lines.push_back("AT Bailey +0.000213771 load-" + std::to_string(i) + " +34.068930-118.445127 " +
                        std::to_string(1'795'443'193 + i) + ".560389558");
    }
    return lines;
}

// A neighbour's store that has heard each of `lines`.
store::location_store store_that_heard(const std::vector<std::string>& lines) {
    store::location_store store;
    for (const std::string& line : lines) {
        store.merge(peer::parse_at_line(line)->record);
    }
    return store;
}

// What a neighbour does with each new update it hears (peer_link::take_lines and handle): find
// and hash its client ID, look the client up for a copy of the kept record, then check the AT
// line and merge it. Each update is newer than the last.
void peer_update(benchmark::State& state) {
    std::vector<std::string> lines = flooded_lines();
    store::location_store store;
    std::size_t i = 0;
    for (auto _ : state) {
        std::string& line = lines[i % lines.size()];
        one_second_later(line); // newer each lap
        const store::client_key client = store::location_store::key_of(protocol::at_line_client_id(line));
        if (store.holds(line, client)) {
            state.SkipWithError("a new update taken for a copy");
            break;
        }
        const auto update = peer::parse_at_line(line);
        if (!store.merge(update->record, client)) {
            state.SkipWithError("a merge kept the older record");
            break;
        }
        ++i;
    }
}
BENCHMARK(peer_update);

// What a neighbour does with a copy of an update it keeps (half of what it hears in the default
// herd: the same update comes by two links). `dropped`: found in the store and dropped unparsed
// (peer_link::handle). `parsed`: as before that, checked and then refused by merge.
void peer_update_copy(benchmark::State& state, bool parsed) {
    const std::vector<std::string> lines = flooded_lines();
    store::location_store store = store_that_heard(lines);
    std::size_t i = 0;
    for (auto _ : state) {
        const std::string& line = lines[i % lines.size()];
        bool taken_for_new = false;
        if (parsed) {
            const auto update = peer::parse_at_line(line);
            taken_for_new = store.merge(update->record, store::location_store::key_of(update->client_id));
        } else {
            taken_for_new = !store.holds(line, store::location_store::key_of(protocol::at_line_client_id(line)));
        }
        if (taken_for_new) {
            state.SkipWithError("a copy taken for a new record");
            break;
        }
        ++i;
    }
}
BENCHMARK_CAPTURE(peer_update_copy, dropped, false);
BENCHMARK_CAPTURE(peer_update_copy, parsed, true);

// One entry of a member's log as a client line makes it (member_logger::traffic: laid out
// straight into the batched file writer's batch), into a file under /tmp.
void log_client_line(benchmark::State& state) {
    const auto log = server::make_member_logger("/tmp/herd-microbench-log", "Bench");
    for (auto _ : state) {
        log->traffic(12345, '<', iamat_line);
    }
}
BENCHMARK(log_client_line);

// The real gazetteer when `make setup` fetched it, else the test fixture.
const places::offline_places& gazetteer() {
    static const places::offline_places backend = [] {
        const std::string real = "data/cities.json";
        const std::string path = std::filesystem::exists(real) ? real : std::string(HERD_TEST_DATA "/places.json");
        return places::offline_places(places::load_gazetteer(path), "bench");
    }();
    return backend;
}

void offline_search(benchmark::State& state) {
    const auto& backend = gazetteer();
    const places::nearby_query query{{34.068930, -118.445127}, 10, static_cast<unsigned>(state.range(0))};
    for (auto _ : state) {
        benchmark::DoNotOptimize(backend.search(query));
    }
    state.SetLabel(std::to_string(backend.size()) + " places");
}
BENCHMARK(offline_search)->Arg(5)->Arg(20);

void offline_search_and_format(benchmark::State& state) {
    const auto& backend = gazetteer();
    const places::nearby_query query{{34.068930, -118.445127}, 10, 5};
    for (auto _ : state) {
        std::string out;
        protocol::append_whatsat_reply(out, "AT Clark +0.263873386 kiwi.cs.ucla.edu +34.068930-118.445127 1",
                                       places::to_google_json(backend.search(query)));
        benchmark::DoNotOptimize(out);
    }
}
BENCHMARK(offline_search_and_format);

} // namespace

BENCHMARK_MAIN();
