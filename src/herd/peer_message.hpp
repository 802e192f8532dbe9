#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "store/location_record.hpp"

namespace herd::peer {

// Version 2 of the member-to-member wire format (docs/peer-protocol.md): LF-terminated lines.
inline constexpr std::string_view protocol_version = "2";

// `HERD 2 HELLO <from> <to> <nonce>`: the dialling member introduces itself.
// (`version` is whatever the line said, so another version can be refused by name.)
struct hello {
    std::string_view version;
    std::string_view from;
    std::string_view to;
    std::string_view nonce;
};

// `HERD 2 CHALLENGE <name> <nonce> <proof>`: the accepting member proves it holds the
// secret and sends its own nonce.
struct challenge {
    std::string_view name;
    std::string_view nonce;
    std::string_view proof;
};

// `HERD 2 PROOF <proof>`: the dialling member proves it holds the secret.
struct proof {
    std::string_view value;
};

// `HERD 2 WELCOME <name>`: the accepting member takes the link.
struct welcome {
    std::string_view name;
};

// `HERD 2 REFUSED <reason>`: the accepting member refuses it and closes.
struct refused {
    std::string_view reason;
};

// `AT ...`: one location record, exactly as its origin member wrote it.
struct update {
    std::string_view client_id;
    store::location_record record;
};

// `PING`: keeps an idle link alive.
struct ping {};

struct malformed {};

using message = std::variant<malformed, hello, challenge, proof, welcome, refused, update, ping>;

// Classifies one line received on a peer link. Pure; views point into `line`.
// A HELLO with another version parses as hello, so the receiver can refuse it by name.
message parse_message(std::string_view line);

// True when `line` opens a peer handshake (so a connection to the client port is a peer's).
bool is_handshake(std::string_view line);

std::string format_hello(std::string_view from, std::string_view to, std::string_view nonce);
std::string format_challenge(std::string_view name, std::string_view nonce, std::string_view proof);
std::string format_proof(std::string_view proof);
std::string format_welcome(std::string_view name);
std::string format_refused(std::string_view reason);
inline constexpr std::string_view ping_line = "PING\n";

// Parses an AT line as members write it: `AT <origin> <+|->S.NNNNNNNNN <id> <location> <time>`,
// single spaces, every field valid. The record keeps the line byte for byte.
std::optional<update> parse_at_line(std::string_view line);

} // namespace herd::peer
