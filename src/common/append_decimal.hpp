#pragma once

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>

namespace herd {

// Appends `value` in decimal to `out`, without a temporary string (std::to_string's).
inline void append_decimal(std::string& out, std::uint64_t value) {
    std::array<char, 20> digits{}; // UINT64_MAX has 20
    const char* end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
    out.append(digits.data(), static_cast<std::size_t>(end - digits.data()));
}

} // namespace herd
