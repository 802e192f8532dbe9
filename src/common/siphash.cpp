#include "common/siphash.hpp"

#include <random>

namespace herd::siphash {

key random_key() {
    std::random_device random;
    const auto word = [&random] { return std::uint64_t{random()} << 32 | random(); };
    return {word(), word()};
}

} // namespace herd::siphash
