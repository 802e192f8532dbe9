#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <sys/resource.h>

namespace herd::app {

// Exit codes of every command.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;    // could not run: busy port, unreachable member, bad data
inline constexpr int exit_bad_config = 2; // the config or the command line is wrong

// Set by `herd up` for its members: its pid, so that a member ends when it does.
inline constexpr const char* parent_pid_variable = "HERD_UP_PID";
// Set by `herd up` for its members: the descriptor on which a member writes one byte once it
// listens, so that `up` says the herd is up only when it is.
inline constexpr const char* ready_fd_variable = "HERD_READY_FD";

// Raises the soft limit on open files to the hard one, as servers do; returns the new limit.
rlim_t raise_file_limit();

// `herd serve NAME`: runs one member in the foreground until SIGINT or SIGTERM.
int serve(const std::string& name, const std::string& config_path);

// `herd send NAME [LINE]`: sends LINE (or each line of stdin) to the member and prints its
// replies; fails (exit_failure, a message on stderr) when it cannot connect within the
// timeout, when the member closes the connection before every reply came back (or, typing,
// before the input ended), or when replies are owed and the member sends nothing for the
// timeout: `timeout`, or default_send_timeout, or with a Google backend the config's
// places.timeout_ms and a second if that is longer.
inline constexpr std::chrono::milliseconds default_send_timeout{10'000};
int send(const std::string& name, const std::string& config_path, const std::optional<std::string>& line,
         std::optional<std::chrono::milliseconds> timeout);

// `herd up`: runs every member of the config as a child process until SIGINT or SIGTERM.
int up(const std::string& config_path, const std::string& herd_binary);

} // namespace herd::app
