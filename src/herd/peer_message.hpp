#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "store/location_record.hpp"

namespace herd::peer {

// Version 3 of the member-to-member wire format (docs/peer-protocol.md): LF-terminated lines.
inline constexpr std::string_view protocol_version = "3";

// `HERD 3 HELLO <from> <to> <nonce>`: the dialling member introduces itself.
// (`version` is whatever the line said, so another version can be refused by name.)
struct hello {
    std::string_view version;
    std::string_view from;
    std::string_view to;
    std::string_view nonce;
};

// `HERD 3 CHALLENGE <name> <nonce> <proof>`: the accepting member proves it holds the
// secret and sends its own nonce.
struct challenge {
    std::string_view name;
    std::string_view nonce;
    std::string_view proof;
};

// `HERD 3 PROOF <proof>`: the dialling member proves it holds the secret.
struct proof {
    std::string_view value;
};

// `HERD 3 WELCOME <name>`: the accepting member takes the link.
struct welcome {
    std::string_view name;
};

// `HERD 3 REFUSED <reason>`: the accepting member refuses it and closes.
struct refused {
    std::string_view reason;
};

// `AT ...`: one location record, exactly as its origin member wrote it.
struct update {
    store::record_ref record;    // views into the line
    std::string_view client_id; // record.client_id(), found while checking the line
};

// `PING`: keeps an idle link alive.
struct ping {};

// `DIGEST <hex>`: the sender's bucket digests (location_store), sent once after the
// handshake; the receiver answers with the records of the buckets whose digests differ.
struct digest {
    std::string_view hex; // bucket_count x 16 hex digits
};

struct malformed {};

using message = std::variant<malformed, hello, challenge, proof, welcome, refused, update, ping, digest>;

// Classifies one line received on a peer link. Pure; views point into `line`.
// A HELLO with another version parses as hello, so the receiver can refuse it by name.
message parse_message(std::string_view line);

// True when `line` is a handshake message: it begins `HERD `.
bool is_handshake(std::string_view line);

// True when `line` opens a handshake: `HERD <any version> HELLO`, then anything (a malformed
// HELLO is a neighbour's, refused with a reason). A connection to the client port whose first
// line does is a peer's; any other first line, `HERD ...` too, is a client's.
bool opens_handshake(std::string_view line);

std::string format_hello(std::string_view from, std::string_view to, std::string_view nonce);
std::string format_challenge(std::string_view name, std::string_view nonce, std::string_view proof);
std::string format_proof(std::string_view proof);
std::string format_welcome(std::string_view name);
std::string format_refused(std::string_view reason);
inline constexpr std::string_view ping_line = "PING\n";

// The DIGEST line (with LF) for `digests`, and the digests back from a DIGEST's hex.
std::string format_digest(const std::vector<std::uint64_t>& digests);
std::optional<std::vector<std::uint64_t>> decode_digest(std::string_view hex, std::size_t buckets);

// Parses an AT line as members write it: `AT <origin> <+|->S.NNNNNNNNN <id> <location> <time>`,
// single spaces, every field valid. The update views `line`, which must outlive it.
std::optional<update> parse_at_line(std::string_view line);

} // namespace herd::peer
