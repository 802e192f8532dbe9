#include "geo/coordinates.hpp"

#include <charconv>
#include <cstdint>
#include <utility>

namespace herd::geo {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The shape of one unsigned decimal `D{1,max_int_digits}[.D+]` at the start of `text`.
struct decimal_span {
    std::size_t int_digits = 0;
    std::size_t length = 0; // whole span, point and fraction included
    bool fraction_is_zero = true;
    std::uint64_t whole = 0; // the integer part's value
};

// `max_int_digits` is at most 19, so the integer part fits in 64 bits.
std::optional<decimal_span> scan_decimal(std::string_view text, std::size_t max_int_digits) {
    decimal_span span;
    while (span.int_digits < text.size() && is_digit(text[span.int_digits])) {
        if (span.int_digits < max_int_digits) {
            span.whole = span.whole * 10 + static_cast<std::uint64_t>(text[span.int_digits] - '0');
        }
        ++span.int_digits;
    }
    if (span.int_digits == 0 || span.int_digits > max_int_digits) {
        return std::nullopt;
    }
    span.length = span.int_digits;
    if (span.length < text.size() && text[span.length] == '.') {
        std::size_t end = span.length + 1;
        while (end < text.size() && is_digit(text[end])) {
            span.fraction_is_zero = span.fraction_is_zero && text[end] == '0';
            ++end;
        }
        if (end == span.length + 1) {
            return std::nullopt; // a point needs digits after it
        }
        span.length = end;
    }
    return span;
}

// True when the decimal `span` is at most `max_whole`.
bool within(const decimal_span& span, std::uint64_t max_whole) {
    return span.whole < max_whole || (span.whole == max_whole && span.fraction_is_zero);
}

double to_double(std::string_view text) {
    double value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
}

// Checks one signed component at the start of `text` and returns it (sign included);
// advances `text` past it.
std::optional<std::string_view> take_component(std::string_view& text, std::size_t max_int_digits,
                                               std::uint64_t max_whole) {
    if (text.empty() || (text[0] != '+' && text[0] != '-')) {
        return std::nullopt;
    }
    const std::string_view body = text.substr(1);
    const auto span = scan_decimal(body, max_int_digits);
    if (!span || !within(*span, max_whole)) {
        return std::nullopt;
    }
    const std::string_view component = text.substr(0, 1 + span->length);
    text.remove_prefix(component.size());
    return component;
}

double signed_value(std::string_view component) {
    const double magnitude = to_double(component.substr(1));
    return component[0] == '-' ? -magnitude : magnitude;
}

// The two components of an ISO 6709 text, checked, or nothing.
std::optional<std::pair<std::string_view, std::string_view>> split_iso6709(std::string_view text) {
    const auto latitude = take_component(text, 2, 90);
    if (!latitude) {
        return std::nullopt;
    }
    const auto longitude = take_component(text, 3, 180);
    if (!longitude || !text.empty()) {
        return std::nullopt;
    }
    return std::pair{*latitude, *longitude};
}

} // namespace

std::optional<coordinates> parse_iso6709(std::string_view text) {
    const auto components = split_iso6709(text);
    if (!components) {
        return std::nullopt;
    }
    return coordinates{signed_value(components->first), signed_value(components->second)};
}

bool is_iso6709(std::string_view text) { return split_iso6709(text).has_value(); }

std::optional<double> parse_bounded_decimal(std::string_view text, unsigned max_whole) {
    std::size_t zeros = 0;
    while (zeros + 1 < text.size() && text[zeros] == '0' && is_digit(text[zeros + 1])) {
        ++zeros;
    }
    const std::string_view significant = text.substr(zeros);
    const auto span = scan_decimal(significant, 18);
    if (!span || span->length != significant.size() || !within(*span, max_whole)) {
        return std::nullopt;
    }
    return to_double(significant);
}

} // namespace herd::geo
