#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace herd::peer {

// Challenge-response proofs for the peer handshake (docs/peer-protocol.md). Each side proves
// it holds the herd secret by an HMAC-SHA256 over both names and both fresh nonces; the
// secret never crosses the wire and a recorded proof is useless against a new nonce.

inline constexpr std::size_t nonce_bytes = 16;

// nonce_bytes random bytes from OpenSSL's CSPRNG, as 2 x nonce_bytes lowercase hex digits.
std::string make_nonce();

// True when `text` has a nonce's form: 2 x nonce_bytes lowercase hex digits.
bool is_nonce(std::string_view text);

// HMAC-SHA256 of `message` under `secret`, as 64 lowercase hex digits.
std::string hmac_sha256_hex(std::string_view secret, std::string_view message);

// What the accepting member sends to prove itself, and what the dialling member sends.
std::string acceptor_proof(std::string_view secret, std::string_view dialer, std::string_view acceptor,
                           std::string_view dialer_nonce, std::string_view acceptor_nonce);
std::string dialer_proof(std::string_view secret, std::string_view dialer, std::string_view acceptor,
                         std::string_view dialer_nonce, std::string_view acceptor_nonce);

// Compares two proofs in time that does not depend on where they differ.
bool same_proof(std::string_view a, std::string_view b);

} // namespace herd::peer
