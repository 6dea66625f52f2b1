// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/verify/message_digest.h"

#include <openssl/evp.h>

#include <stdexcept>

#include <fmt/format.h>

#include "base/units.h"
#include "base/word_list.h"

namespace ptrescue {

struct MultiDigest::Context {
  struct Free {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  HashAlgorithm algorithm;
  std::unique_ptr<EVP_MD_CTX, Free> ctx;
};

namespace {

const EVP_MD* evp_of(HashAlgorithm a) {
  switch (a) {
    case HashAlgorithm::kMd5: return EVP_md5();
    case HashAlgorithm::kSha1: return EVP_sha1();
    case HashAlgorithm::kSha256: return EVP_sha256();
  }
  return EVP_sha256();
}

}  // namespace

std::string_view hash_name(HashAlgorithm a) {
  switch (a) {
    case HashAlgorithm::kMd5: return "md5";
    case HashAlgorithm::kSha1: return "sha1";
    case HashAlgorithm::kSha256: return "sha256";
  }
  return "?";
}

std::string_view hash_tag(HashAlgorithm a) {
  switch (a) {
    case HashAlgorithm::kMd5: return "MD5";
    case HashAlgorithm::kSha1: return "SHA1";
    case HashAlgorithm::kSha256: return "SHA256";
  }
  return "?";
}

std::vector<HashAlgorithm> parse_hash_list(std::string_view text) {
  std::vector<HashAlgorithm> out;
  auto add = [&](HashAlgorithm a) {
    for (HashAlgorithm b : out)
      if (b == a) throw UsageError(fmt::format("invalid --hash: '{}' given twice", hash_name(a)));
    out.push_back(a);
  };
  std::vector<std::string> words = split_list(text);
  if (words.empty()) words.emplace_back();  // "" is refused like any unknown word
  for (const std::string& w : words) {
    if (w == "md5") add(HashAlgorithm::kMd5);
    else if (w == "sha1") add(HashAlgorithm::kSha1);
    else if (w == "sha256") add(HashAlgorithm::kSha256);
    else if (w == "all") {
      add(HashAlgorithm::kMd5);
      add(HashAlgorithm::kSha1);
      add(HashAlgorithm::kSha256);
    } else {
      throw UsageError(fmt::format("invalid --hash '{}': use md5, sha1, sha256 or all, separated by commas", w));
    }
  }
  return out;
}

MultiDigest::MultiDigest(const std::vector<HashAlgorithm>& algorithms) {
  for (HashAlgorithm a : algorithms) {
    auto c = std::make_unique<Context>();
    c->algorithm = a;
    c->ctx.reset(EVP_MD_CTX_new());
    if (!c->ctx || EVP_DigestInit_ex(c->ctx.get(), evp_of(a), nullptr) != 1)
      throw std::runtime_error(fmt::format("OpenSSL cannot start a {} digest", hash_name(a)));
    contexts_.push_back(std::move(c));
  }
}

MultiDigest::~MultiDigest() = default;
MultiDigest::MultiDigest(MultiDigest&&) noexcept = default;
MultiDigest& MultiDigest::operator=(MultiDigest&&) noexcept = default;

void MultiDigest::update(std::span<const std::byte> data) {
  if (data.empty()) return;
  for (auto& c : contexts_)
    if (EVP_DigestUpdate(c->ctx.get(), data.data(), data.size()) != 1)
      throw std::runtime_error(fmt::format("OpenSSL {} digest update failed", hash_name(c->algorithm)));
}

std::vector<HashValue> MultiDigest::finish() {
  std::vector<HashValue> out;
  for (auto& c : contexts_) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(c->ctx.get(), md, &len) != 1)
      throw std::runtime_error(fmt::format("OpenSSL {} digest failed", hash_name(c->algorithm)));
    std::string hex;
    hex.reserve(2 * len);
    for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
    out.push_back(HashValue{c->algorithm, std::move(hex)});
  }
  contexts_.clear();
  return out;
}

}  // namespace ptrescue
