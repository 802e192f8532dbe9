#pragma once

#include <exception>
#include <string>

namespace herd {

// What `failure` (an exception a coroutine ended with, say) says, for a log: its what(), or
// that it was not a std::exception. Never throws: with no memory left to copy the words, "".
std::string describe(const std::exception_ptr& failure) noexcept;

// "failed: " and what describe() says, for a link's close reason; "failed" when there is no
// memory for more. Never throws.
std::string failure_reason(const std::exception_ptr& failure) noexcept;

} // namespace herd
