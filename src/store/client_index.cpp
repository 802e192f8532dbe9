#include "store/client_index.hpp"

namespace herd::store {

void client_index::insert(std::uint64_t h, std::uint32_t slot) {
    if ((size_ + 1) * 5 > entries_.size() * 4) {
        grow();
    }
    place(std::uint64_t{tag_of(h)} << 32 | slot);
    ++size_;
}

void client_index::place(std::uint64_t entry) {
    std::size_t at = position(static_cast<std::uint32_t>(entry >> 32));
    while (entries_[at] != empty) {
        at = (at + 1) & mask();
    }
    entries_[at] = entry;
}

void client_index::grow() {
    std::vector<std::uint64_t> old(entries_.empty() ? 16 : entries_.size() * 2, empty);
    old.swap(entries_);
    for (const std::uint64_t entry : old) {
        if (entry != empty) {
            place(entry);
        }
    }
}

} // namespace herd::store
