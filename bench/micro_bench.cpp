// Micro-benchmarks of the per-message work: `build/bench/herd_microbench`.
#include <filesystem>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "places/json_format.hpp"
#include "places/offline_places.hpp"
#include "herd/peer_message.hpp"
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

// What a neighbour does with each update it hears: check the AT line, then merge it, over
// 10,000 clients (bench/run's load), each update newer than the last.
void peer_update(benchmark::State& state) {
    constexpr std::size_t clients = 10'000;
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < clients; ++i) {
        lines.push_back("AT Bailey +0.000213771 load-" + std::to_string(i) + " +34.068930-118.445127 " +
                        std::to_string(1'795'443'193 + i) + ".560389558");
    }
    store::location_store store;
    std::size_t i = 0;
    for (auto _ : state) {
        std::string& line = lines[i % clients];
        one_second_later(line); // newer each lap
        const auto update = peer::parse_at_line(line);
        if (!store.merge(update->record, update->client_id)) {
            state.SkipWithError("a merge kept the older record");
            break;
        }
        ++i;
    }
}
BENCHMARK(peer_update);

// One entry of a member's log as a client line makes it (formatted, then handed to the
// batched file writer), into a file under /tmp.
void log_client_line(benchmark::State& state) {
    const auto log = server::make_member_logger("/tmp/herd-microbench-log", "Bench");
    for (auto _ : state) {
        server::log_traffic(*log, 12345, '<', iamat_line);
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
