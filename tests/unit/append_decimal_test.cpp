#include "common/append_decimal.hpp"

#include <cstdint>
#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace herd {
namespace {

TEST(append_decimal, appends_every_digit_after_what_is_there) {
    std::string out = "id ";
    append_decimal(out, 0);
    out += ' ';
    append_decimal(out, 1'700'000'000);
    out += ' ';
    append_decimal(out, std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(out, "id 0 1700000000 18446744073709551615");
}

} // namespace
} // namespace herd
