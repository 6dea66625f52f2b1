// SPDX-License-Identifier: GPL-3.0-or-later
// Message digests (MD5, SHA-1, SHA-256) through OpenSSL's EVP interface,
// several at once over the same bytes: what `--hash md5,sha1,sha256` asks for.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ptrescue {

enum class HashAlgorithm { kMd5, kSha1, kSha256 };

/// "md5", "sha1", "sha256": the words of --hash and of the sidecar.
std::string_view hash_name(HashAlgorithm a);
/// "MD5", "SHA1", "SHA256": the tags of BSD-style lines (`sha256sum -c` reads them).
std::string_view hash_tag(HashAlgorithm a);

/// Parses "md5,sha1,sha256" (any order, each at most once; "all" = the three).
/// Throws UsageError naming an unknown word.
std::vector<HashAlgorithm> parse_hash_list(std::string_view text);

struct HashValue {
  HashAlgorithm algorithm = HashAlgorithm::kSha256;
  std::string hex;  ///< lower-case hex digest
  friend bool operator==(const HashValue&, const HashValue&) = default;
};

/// Feeds the same bytes to one EVP context per algorithm.
class MultiDigest {
 public:
  explicit MultiDigest(const std::vector<HashAlgorithm>& algorithms);
  ~MultiDigest();
  MultiDigest(MultiDigest&&) noexcept;
  MultiDigest& operator=(MultiDigest&&) noexcept;

  void update(std::span<const std::byte> data);
  /// The digests, in the order the algorithms were given. Call once.
  std::vector<HashValue> finish();

 private:
  struct Context;
  std::vector<std::unique_ptr<Context>> contexts_;
};

}  // namespace ptrescue
