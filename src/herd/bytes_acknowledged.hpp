#pragma once

#include <cstdint>
#include <optional>

namespace herd::peer {

// How many of the bytes written to the TCP socket `fd` its peer's kernel has acknowledged so
// far (TCP_INFO's tcpi_bytes_acked): a count that stops while the peer does not read (its
// window closes), however full the local send buffer. Nothing when the kernel does not say.
std::optional<std::uint64_t> bytes_acknowledged(int fd);

} // namespace herd::peer
