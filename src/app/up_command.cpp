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

#include <fcntl.h>
#include <poll.h>
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

// How long `up` waits for every member to listen (a member loads its gazetteer first).
constexpr auto start_timeout = std::chrono::seconds(120);

// The descriptor on which a member finds its end of the pipe that says it listens.
constexpr int member_ready_fd = 3;

struct child {
    std::string name;
    int ready_pipe = -1;      // the read end, until the member says it listens or the pipe closes
    bool ready = false;       // said it listens
    bool running = true;
    int status = 0;           // once it has ended
    bool died = false;        // ended before it was asked to stop
    bool stopped_badly = false; // asked to stop: killed after its grace, or ended otherwise than stopped_cleanly
};

// Starts `herd serve NAME --config FILE` with default signal handling and mask, and
// `ready_write` as its descriptor member_ready_fd. Returns its pid, or -1 with the error in
// `error`.
pid_t spawn_member(const std::string& binary, const std::string& name, const std::string& config_path,
                   int ready_write, int& error) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, ready_write, member_ready_fd); // not close-on-exec there
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
    error = posix_spawn(&pid, binary.c_str(), &actions, &attributes, argv.data(), environ);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
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
            member.status = status;
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

enum class start_outcome { listening, failed, interrupted };

// Waits until every member has said it listens (`listening`), one has ended or closed its
// pipe without saying so, or start_timeout passed (`failed`: each is named, and a member
// that ended is reaped, so its status is known), or SIGINT or SIGTERM came (`interrupted`).
start_outcome wait_until_listening(std::map<pid_t, child>& children, const sigset_t& watched) {
    const auto give_up = std::chrono::steady_clock::now() + start_timeout;
    for (;;) {
        std::vector<pollfd> pipes;
        std::vector<child*> owners;
        for (auto& [pid, member] : children) {
            if (member.ready_pipe >= 0) {
                pipes.push_back(pollfd{member.ready_pipe, POLLIN, 0});
                owners.push_back(&member);
            }
        }
        const bool failed = std::any_of(children.begin(), children.end(), [](const auto& c) {
            return c.second.ready ? !c.second.running : c.second.ready_pipe < 0; // ended, before or after listening
        });
        if (pipes.empty() || failed) {
            break;
        }
        ::poll(pipes.data(), pipes.size(), 20); // signals are blocked: they are looked for below
        for (std::size_t i = 0; i < pipes.size(); ++i) {
            if (pipes[i].revents != 0) {
                char byte = 0;
                owners[i]->ready = ::read(pipes[i].fd, &byte, 1) == 1;
                ::close(pipes[i].fd);
                owners[i]->ready_pipe = -1;
            }
        }
        const timespec now{};
        const int signal = sigtimedwait(&watched, nullptr, &now);
        if (signal == SIGCHLD) {
            reap(children, false);
        } else if (signal == SIGINT || signal == SIGTERM) {
            return start_outcome::interrupted;
        }
        if (std::chrono::steady_clock::now() > give_up) {
            break;
        }
    }
    const bool timed_out = std::chrono::steady_clock::now() > give_up;
    reap(children, false); // one that said it listens may have ended since (its signal consumed above)
    bool all = true;
    for (auto& [pid, member] : children) {
        const bool still_starting = member.ready_pipe >= 0;
        if (still_starting) {
            ::close(member.ready_pipe);
            member.ready_pipe = -1;
        }
        if (member.ready && member.running) {
            continue;
        }
        all = false;
        if (member.ready) {
            std::fprintf(stderr, "herd: %s ended after it began to listen (see above)\n", member.name.c_str());
            continue;
        }
        if (still_starting) {
            if (timed_out) {
                std::fprintf(stderr, "herd: %s did not start listening within %lld s\n", member.name.c_str(),
                             static_cast<long long>(start_timeout.count()));
            }
            continue; // else another's failure ends the start: it is stopped with the rest
        }
        // It closed its pipe by ending: reap reports how, once it has (a moment, at most).
        for (int look = 0; look < 100 && member.running; ++look) {
            reap(children, false);
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        std::fprintf(stderr, "herd: %s did not start (see above)\n", member.name.c_str());
    }
    return all ? start_outcome::listening : start_outcome::failed;
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

    ::setenv(ready_fd_variable, std::to_string(member_ready_fd).c_str(), 1);

    std::map<pid_t, child> children;
    bool spawned = true;
    for (const auto& [name, server] : config.servers) {
        int ends[2];
        const bool piped = ::pipe2(ends, O_CLOEXEC) == 0;
        int error = piped ? 0 : errno;
        const pid_t pid = piped ? spawn_member(herd_binary, name, config_path, ends[1], error) : -1;
        if (piped) {
            ::close(ends[1]); // the member's now
        }
        if (pid < 0) {
            std::fprintf(stderr, "herd: cannot start %s: %s\n", name.c_str(), std::strerror(error));
            if (piped) {
                ::close(ends[0]);
            }
            spawned = false;
            break;
        }
        children.emplace(pid, child{.name = name, .ready_pipe = ends[0]});
        std::printf("herd: started %-10s pid %-7d on %s:%u, log %s/%s.log\n", name.c_str(), pid,
                    server.host.c_str(), server.port, config.log_dir.c_str(), name.c_str());
    }
    std::fflush(stdout);
    const start_outcome start = spawned ? wait_until_listening(children, watched) : start_outcome::failed;
    if (start == start_outcome::listening) {
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
    } else if (start == start_outcome::failed) {
        std::fprintf(stderr, "herd: not every member started: stopping the herd\n");
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
    if (start == start_outcome::failed) {
        // A member that found its config wrong (a Google backend without its key, say) makes
        // the whole `up` a config error.
        const bool bad_config = std::any_of(children.begin(), children.end(), [](const auto& c) {
            return !c.second.ready && WIFEXITED(c.second.status) && WEXITSTATUS(c.second.status) == exit_bad_config;
        });
        return bad_config ? exit_bad_config : exit_failure;
    }
    return died + stopped_badly > 0 ? exit_failure : exit_ok;
}

} // namespace herd::app
