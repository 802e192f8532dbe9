#pragma once

namespace herd::hex {

// The lowercase hex digits, by value: what the project writes (digests, nonces, escapes).
inline constexpr char digits[] = "0123456789abcdef";

// The value of the lowercase hex digit `c`, or -1 when it is none (capitals included: the
// project reads back only what it writes).
constexpr int value_of(char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; }

} // namespace herd::hex
