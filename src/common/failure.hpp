#pragma once

#include <exception>
#include <string>

namespace herd {

// What `failure` (an exception a coroutine ended with, say) says, for a log: its what(), or
// that it was not a std::exception.
std::string describe(const std::exception_ptr& failure);

} // namespace herd
