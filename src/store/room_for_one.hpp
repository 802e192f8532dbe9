#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace herd::store {

// Makes room in `v` for one more element, growing it geometrically as push_back would, so
// that a push_back after it cannot throw: for code that must allocate everything before it
// changes anything. Throws std::bad_alloc, leaving `v` as it was.
template <typename T>
void make_room_for_one(std::vector<T>& v) {
    if (v.size() == v.capacity()) {
        v.reserve(std::max<std::size_t>(16, v.size() * 2));
    }
}

} // namespace herd::store
