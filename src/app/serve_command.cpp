#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>

#include <malloc.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "app/commands.hpp"
#include "herd/config.hpp"
#include "places/make_backend.hpp"
#include "server/log.hpp"
#include "server/member.hpp"

namespace herd::app {

rlim_t raise_file_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return 0;
    }
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
            return raised.rlim_cur;
        }
    }
    return limit.rlim_cur;
}

namespace {

// Started by `herd up`: tells it, on the descriptor it named, that this member listens.
void tell_up_ready() {
    const char* named = std::getenv(ready_fd_variable);
    int fd = -1;
    if (named == nullptr || std::from_chars(named, named + std::strlen(named), fd).ec != std::errc() || fd < 0) {
        return;
    }
    [[maybe_unused]] const ssize_t written = ::write(fd, "1", 1); // `up` gone: nobody to tell
    ::close(fd);
}

} // namespace

int serve(const std::string& name, const std::string& config_path) {
    // Started by `herd up`: end (as on SIGTERM) when it ends, even by SIGKILL, rather than
    // live on holding the ports; and not start at all if it is gone already.
    if (const char* parent = std::getenv(parent_pid_variable)) {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (std::to_string(::getppid()) != parent) {
            std::fprintf(stderr, "herd: %s: the herd up that started it (pid %s) has ended\n", name.c_str(), parent);
            return exit_failure;
        }
    }
    // Blocks of 256 KiB and more (a link's send buffers after a burst, a table left behind when
    // the store's index grows) get pages of their own, which go back to the system when freed.
    // glibc would otherwise raise this threshold after the first such free and keep later ones
    // in the heap, where a member's memory stays at its high-water mark.
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    config::herd_config config;
    std::string secret;
    try {
        config = config::load_config(config_path);
        const auto& self = config.server(name);
        const char* from_env = std::getenv(config.secret_env.c_str());
        secret = from_env != nullptr ? from_env : "";
        if (secret.empty() && (!config.neighbours(name).empty() || self.peer_port != 0)) {
            throw config::config_error(config.source + ": " + name +
                                       " has neighbours, and peer links need the herd secret in the environment "
                                       "variable " + config.secret_env + " ([herd] secret_env); `herd up` makes one");
        }
    } catch (const config::config_error& error) {
        std::fprintf(stderr, "herd: %s\n", error.what());
        return exit_bad_config;
    }
    try {
        const auto log = server::make_member_logger(config.log_dir, name, config.log_level);
        const rlim_t files = raise_file_limit();
        log->info("{} may hold {} open files (connections, links and logs)", name, static_cast<unsigned long long>(files));
        if (files != RLIM_INFINITY && files < config.limits.max_connections + 64) {
            log->warn("the open-file limit {} is below limits.max_connections ({}): accepts will fail before it",
                      static_cast<unsigned long long>(files), config.limits.max_connections);
        }
        boost::asio::io_context io(1);
        // Caught from here on (loading the gazetteer takes a while): a signal before the loop
        // runs stops the member as soon as it starts, rather than killing it.
        boost::asio::signal_set signals(io, SIGINT, SIGTERM);
        // SIGHUP (logrotate's postrotate, say): the log file is opened again, by its path.
        boost::asio::signal_set hangups(io, SIGHUP);
        const std::function<void(const boost::system::error_code&, int)> on_hangup =
            [&](const boost::system::error_code& error, int) {
                if (error) {
                    return;
                }
                log->info("{} reopening its log on SIGHUP", name);
                log->reopen_file();
                hangups.async_wait(on_hangup);
            };
        hangups.async_wait(on_hangup);
        std::unique_ptr<places::places_backend> places;
        try {
            places = places::make_backend(io.get_executor(), config.places, *log);
        } catch (const config::config_error& error) {
            std::fprintf(stderr, "herd: %s: %s\n", config.source.c_str(), error.what());
            return exit_bad_config;
        }
        // Loading the gazetteer parsed a JSON file of tens of MB into memory that is free now:
        // give it back, rather than hold it until records happen to fill it.
        malloc_trim(0);
        server::member member(io.get_executor(), config, name, std::move(secret), *places, log);
        member.start();
        const auto endpoint = member.local_endpoint();
        std::printf("herd: %s listening on %s:%u, logging to %s/%s.log\n", name.c_str(),
                    endpoint.address().to_string().c_str(), endpoint.port(), config.log_dir.c_str(), name.c_str());
        std::fflush(stdout);
        tell_up_ready();

        boost::asio::steady_timer deadline(io);
        signals.async_wait([&](const boost::system::error_code& error, int signal) {
            if (error) {
                return;
            }
            log->info("{} stopping on signal {}", name, signal);
            deadline.expires_after(config.shutdown_grace());
            deadline.async_wait([&io](const boost::system::error_code& e) {
                if (!e) {
                    io.stop(); // sessions did not end in time
                }
            });
            // Once the last client is answered and gone, nothing left is worth waiting for:
            // links are closed, and redial timers and handshakes in flight can be dropped.
            member.stop([&io] { io.stop(); });
        });
        io.run();
        log->info("{} stopped", name);
        return exit_ok;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "herd: %s: %s\n", name.c_str(), error.what());
        return exit_failure;
    }
}

} // namespace herd::app
