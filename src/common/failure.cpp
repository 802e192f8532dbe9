#include "common/failure.hpp"

namespace herd {

std::string describe(const std::exception_ptr& failure) noexcept {
    const char* what = "an exception that is not a std::exception";
    try {
        std::rethrow_exception(failure);
    } catch (const std::exception& error) {
        what = error.what(); // `failure` keeps the exception, and so its words, alive
    } catch (...) {
    }
    try {
        return what;
    } catch (...) {
        return {};
    }
}

std::string failure_reason(const std::exception_ptr& failure) noexcept {
    try {
        return "failed: " + describe(failure);
    } catch (...) {
        return "failed"; // short enough for the string itself: no allocation
    }
}

} // namespace herd
