#include "common/failure.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace herd {
namespace {

TEST(failure, describes_a_std_exception_by_its_what_and_anything_else_as_such) {
    EXPECT_EQ(describe(std::make_exception_ptr(std::runtime_error("disk on fire"))), "disk on fire");
    EXPECT_EQ(describe(std::make_exception_ptr(42)), "an exception that is not a std::exception");
    EXPECT_EQ(failure_reason(std::make_exception_ptr(std::runtime_error("disk on fire"))), "failed: disk on fire");
}

} // namespace
} // namespace herd
