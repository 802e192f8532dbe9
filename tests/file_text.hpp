#pragma once

#include <chrono>
#include <cstddef>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace herd::testing_files {

// The whole content of the file at `path`, byte for byte ("" when it cannot be read). For the
// unit and the integration tests alike.
inline std::string read_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::stringstream content;
    content << file.rdbuf();
    return content.str();
}

// The text of `path` once it holds `marker` (a log is written by a thread of its own), or
// what it holds after five seconds.
inline std::string read_when_written(const std::string& path, const std::string& marker) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::string text = read_file(path);
    while (text.find(marker) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        text = read_file(path);
    }
    return text;
}

// How many times `part` occurs in `text` (overlaps counted).
inline std::size_t count_of(const std::string& text, const std::string& part) {
    std::size_t count = 0;
    for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
        ++count;
    }
    return count;
}

} // namespace herd::testing_files
