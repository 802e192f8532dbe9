#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/commands.hpp"
#include "herd/config.hpp"
#include "herd/peer_auth.hpp"

extern char** environ;

namespace herd::app {
namespace {

// How long past a member's own shutdown grace `up` waits before it kills it.
constexpr auto kill_margin = std::chrono::seconds(2);

struct child {
    std::string name;
    bool running = true;
    bool died = false;        // ended before it was asked to stop
    bool stopped_badly = false; // asked to stop: killed after its grace, or ended otherwise than stopped_cleanly
};

// Starts `herd serve NAME --config FILE` with default signal handling and mask. Returns its
// pid, or -1 with posix_spawn's error in `error`.
pid_t spawn_member(const std::string& binary, const std::string& name, const std::string& config_path, int& error) {
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
    std::vector<std::string> args{binary, "serve", name, "--config", config_path};
    std::vector<char*> argv;
    for (auto& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    pid_t pid = 0;
    error = posix_spawn(&pid, binary.c_str(), nullptr, &attributes, argv.data(), environ);
    posix_spawnattr_destroy(&attributes);
    return error == 0 ? pid : -1;
}

std::string describe_status(int status) {
    if (WIFEXITED(status)) {
        return "exited with status " + std::to_string(WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        return std::string("killed by signal ") + strsignal(WTERMSIG(status));
    }
    return "stopped";
}

// A member asked to stop exits with status 0; one that the stop signal reached before it
// could take signals (still starting) dies of it, which is as clean.
bool stopped_cleanly(int status) {
    if (WIFSIGNALED(status)) {
        return WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Reaps every child that has ended; reports the ones not asked to stop, and the ones that,
// asked, did not stop cleanly.
std::size_t reap(std::map<pid_t, child>& children, bool stopping) {
    std::size_t running = 0;
    for (auto& [pid, member] : children) {
        int status = 0;
        if (member.running && waitpid(pid, &status, WNOHANG) == pid) {
            member.running = false;
            member.died = !stopping;
            member.stopped_badly = stopping && !stopped_cleanly(status);
            if (member.died || member.stopped_badly) {
                std::fprintf(stderr, "herd: member %s (pid %d) %s%s\n", member.name.c_str(), pid,
                             describe_status(status).c_str(), stopping ? " while stopping" : "");
            }
        }
        running += member.running ? 1 : 0;
    }
    return running;
}

// How many children `flag` marks.
std::size_t count(const std::map<pid_t, child>& children, bool child::*flag) {
    return static_cast<std::size_t>(
        std::count_if(children.begin(), children.end(), [flag](const auto& c) { return c.second.*flag; }));
}

void signal_all(const std::map<pid_t, child>& children, int signal) {
    for (const auto& [pid, member] : children) {
        if (member.running) {
            kill(pid, signal);
        }
    }
}

} // namespace

int up(const std::string& config_path, const std::string& herd_binary) {
    config::herd_config config;
    try {
        config = config::load_config(config_path);
    } catch (const config::config_error& error) {
        std::fprintf(stderr, "herd: %s\n", error.what());
        return exit_bad_config;
    }
    // Members prove membership with a shared secret; make one for this run when none is set.
    const char* secret = std::getenv(config.secret_env.c_str());
    if (secret == nullptr || *secret == '\0') {
        ::setenv(config.secret_env.c_str(), (peer::make_nonce() + peer::make_nonce()).c_str(), 1);
        std::printf("herd: made a herd secret for this run (set %s to choose one)\n", config.secret_env.c_str());
    }
    // Members end with this process, however it ends (see serve): they find it here.
    ::setenv(parent_pid_variable, std::to_string(::getpid()).c_str(), 1);
    // Signals are taken synchronously with sigwait; children get them unblocked.
    sigset_t watched;
    sigemptyset(&watched);
    sigaddset(&watched, SIGINT);
    sigaddset(&watched, SIGTERM);
    sigaddset(&watched, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &watched, nullptr);
    // SIGCHLD inherited as ignored would have the kernel reap members at once: their deaths
    // would go unseen and unreported, and waitpid would fail.
    std::signal(SIGCHLD, SIG_DFL);

    std::map<pid_t, child> children;
    for (const auto& [name, server] : config.servers) {
        int error = 0;
        const pid_t pid = spawn_member(herd_binary, name, config_path, error);
        if (pid < 0) {
            std::fprintf(stderr, "herd: cannot start %s: %s\n", name.c_str(), std::strerror(error));
            signal_all(children, SIGTERM);
            return exit_failure;
        }
        children.emplace(pid, child{name});
        std::printf("herd: started %-10s pid %-7d on %s:%u, log %s/%s.log\n", name.c_str(), pid,
                    server.host.c_str(), server.port, config.log_dir.c_str(), name.c_str());
    }
    std::printf("herd: %zu members up; Ctrl-C stops them all\n", children.size());
    std::fflush(stdout);

    for (;;) {
        int signal = 0;
        sigwait(&watched, &signal);
        if (signal == SIGCHLD) {
            if (reap(children, false) == 0) {
                std::fprintf(stderr, "herd: every member has ended\n");
                return exit_failure;
            }
            continue;
        }
        break;
    }
    // Members that end now were most likely stopped by the same signal (Ctrl-C reaches the
    // whole process group): not counted as deaths.
    std::printf("herd: stopping %zu members\n", reap(children, true));
    std::fflush(stdout);
    signal_all(children, SIGTERM);
    const auto stop_grace = config.shutdown_grace() + kill_margin;
    const auto deadline = std::chrono::steady_clock::now() + stop_grace;
    while (reap(children, true) > 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            for (auto& [pid, member] : children) {
                if (member.running) {
                    std::fprintf(stderr, "herd: member %s (pid %d) still running after %lld ms: killing it\n",
                                 member.name.c_str(), pid, static_cast<long long>(stop_grace.count()));
                    kill(pid, SIGKILL);
                    waitpid(pid, nullptr, 0);
                    member.running = false;
                    member.stopped_badly = true;
                }
            }
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::printf("herd: all members stopped\n");
    std::fflush(stdout);
    const std::size_t died = count(children, &child::died);
    if (died > 0) {
        std::fprintf(stderr, "herd: %zu of %zu members ended before the stop (see above)\n", died, children.size());
    }
    const std::size_t stopped_badly = count(children, &child::stopped_badly);
    if (stopped_badly > 0) {
        std::fprintf(stderr, "herd: %zu of %zu members did not stop cleanly (see above)\n", stopped_badly,
                     children.size());
    }
    return died + stopped_badly > 0 ? exit_failure : exit_ok;
}

} // namespace herd::app
