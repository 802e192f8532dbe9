#include "herd/peer_auth.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "common/hex.hpp"

namespace herd::peer {
namespace {

std::string to_hex(const unsigned char* bytes, std::size_t size) {
    std::string text;
    text.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        text += hex::digits[bytes[i] >> 4];
        text += hex::digits[bytes[i] & 0xf];
    }
    return text;
}

std::string proof(std::string_view role, std::string_view secret, std::string_view dialer, std::string_view acceptor,
                  std::string_view dialer_nonce, std::string_view acceptor_nonce) {
    std::string message = "herd2 ";
    for (const std::string_view part : {role, dialer, acceptor, dialer_nonce}) {
        message.append(part);
        message += ' ';
    }
    message.append(acceptor_nonce);
    return hmac_sha256_hex(secret, message);
}

} // namespace

std::string make_nonce() {
    std::array<unsigned char, nonce_bytes> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("no randomness for a handshake nonce");
    }
    return to_hex(bytes.data(), bytes.size());
}

bool is_nonce(std::string_view text) {
    return text.size() == 2 * nonce_bytes &&
           std::all_of(text.begin(), text.end(), [](char c) { return hex::value_of(c) >= 0; });
}

std::string hmac_sha256_hex(std::string_view secret, std::string_view message) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(), &size);
    return to_hex(digest.data(), size);
}

std::string acceptor_proof(std::string_view secret, std::string_view dialer, std::string_view acceptor,
                           std::string_view dialer_nonce, std::string_view acceptor_nonce) {
    return proof("acceptor", secret, dialer, acceptor, dialer_nonce, acceptor_nonce);
}

std::string dialer_proof(std::string_view secret, std::string_view dialer, std::string_view acceptor,
                         std::string_view dialer_nonce, std::string_view acceptor_nonce) {
    return proof("dialer", secret, dialer, acceptor, dialer_nonce, acceptor_nonce);
}

bool same_proof(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace herd::peer
