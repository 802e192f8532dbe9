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

TEST(append_decimal, decimal_length_counts_what_append_decimal_writes) {
    for (const std::uint64_t value : {std::uint64_t{0}, std::uint64_t{9}, std::uint64_t{10}, std::uint64_t{99},
                                      std::uint64_t{100}, std::uint64_t{1'700'000'000},
                                      std::numeric_limits<std::uint64_t>::max()}) {
        std::string out;
        append_decimal(out, value);
        EXPECT_EQ(decimal_length(value), out.size()) << value;
    }
}

TEST(append_decimal, fixed_digits_are_zero_padded_and_keep_the_last_digits) {
    char digits[6] = {};
    write_fixed_digits<6>(digits, 42);
    EXPECT_EQ(std::string(digits, 6), "000042");
    write_fixed_digits<6>(digits, 1'234'567); // too many digits: the last six
    EXPECT_EQ(std::string(digits, 6), "234567");
}

TEST(append_decimal, fixed_point_puts_exactly_the_fraction_digits_after_the_point) {
    std::string out = "t=";
    append_fixed_point<9>(out, 1'700'000'000'000'000'123);
    out += ' ';
    append_fixed_point<6>(out, 5);
    out += ' ';
    append_fixed_point<6>(out, 118'398'800);
    EXPECT_EQ(out, "t=1700000000.000000123 0.000005 118.398800");
}

} // namespace
} // namespace herd
