#include "herd/peer_auth.hpp"

#include <gtest/gtest.h>

namespace herd::peer {
namespace {

TEST(peer_auth, hmac_matches_rfc_4231_test_case_2) {
    EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(peer_auth, nonces_are_fresh_hex) {
    const std::string a = make_nonce();
    EXPECT_EQ(a.size(), 32u);
    EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_NE(a, make_nonce());
}

TEST(peer_auth, a_nonce_is_32_lowercase_hex_digits) {
    EXPECT_TRUE(is_nonce(make_nonce()));
    EXPECT_TRUE(is_nonce("0123456789abcdef0123456789abcdef"));
    EXPECT_FALSE(is_nonce("0123456789abcdef0123456789abcde"));   // 31
    EXPECT_FALSE(is_nonce("0123456789abcdef0123456789abcdef0")); // 33
    EXPECT_FALSE(is_nonce("0123456789ABCDEF0123456789abcdef"));
    EXPECT_FALSE(is_nonce("0123456789abcdeg0123456789abcdef"));
    EXPECT_FALSE(is_nonce("0123456789abcde/0123456789abcdef")); // the bytes beside the ranges
    EXPECT_FALSE(is_nonce("0123456789abcde:0123456789abcdef"));
    EXPECT_FALSE(is_nonce("0123456789abcde`0123456789abcdef"));
    EXPECT_FALSE(is_nonce(""));
}

TEST(peer_auth, proofs_bind_role_names_nonces_and_secret) {
    const std::string base = dialer_proof("s", "Bona", "Clark", "n1", "n2");
    EXPECT_EQ(base, dialer_proof("s", "Bona", "Clark", "n1", "n2"));
    EXPECT_NE(base, acceptor_proof("s", "Bona", "Clark", "n1", "n2"));
    EXPECT_NE(base, dialer_proof("t", "Bona", "Clark", "n1", "n2"));
    EXPECT_NE(base, dialer_proof("s", "Bailey", "Clark", "n1", "n2"));
    EXPECT_NE(base, dialer_proof("s", "Bona", "Clark", "n1", "n3"));
    EXPECT_NE(base, dialer_proof("s", "Bona", "Clark", "n3", "n2"));
}

TEST(peer_auth, same_proof_compares_whole_strings) {
    EXPECT_TRUE(same_proof("abc", "abc"));
    EXPECT_FALSE(same_proof("abc", "abd"));
    EXPECT_FALSE(same_proof("abc", "ab"));
    EXPECT_FALSE(same_proof("", "a"));
}

} // namespace
} // namespace herd::peer
