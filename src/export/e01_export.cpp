// SPDX-License-Identifier: GPL-3.0-or-later
#include "src/export/e01_export.h"

#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "base/progress_line.h"
#include "base/unique_fd.h"
#include "base/units.h"
#include "src/export/e01_segments.h"
#include "src/verify/message_digest.h"

namespace ptrescue {
namespace {

/// Bytes handed to libewf per call: a whole number of its 32 KiB chunks.
constexpr std::size_t kWriteBlock = std::size_t{4} << 20;
constexpr std::size_t kMaxSampledRuns = 4096;

/// The image, read-only; bytes past its end read as zeros (a rescue that
/// stopped early never wrote them).
class ImageReader {
 public:
  ImageReader(const std::string& path, std::int64_t offset) : path_(path), offset_(offset) {
    fd_.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd_.valid()) throw std::runtime_error(fmt::format("cannot open image '{}': {}", path, std::strerror(errno)));
  }
  /// Fills `out` with the image's bytes for map bytes [pos, pos + out.size()).
  void read(std::int64_t pos, std::span<std::byte> out) const {
    std::size_t done = 0;
    while (done < out.size()) {
      const std::int64_t at = pos + offset_ + static_cast<std::int64_t>(done);
      if (at < 0) {  // before the image's start (a negative -o): not in the image
        const auto gap = static_cast<std::size_t>(std::min<std::int64_t>(-at, static_cast<std::int64_t>(out.size() - done)));
        std::fill_n(out.begin() + static_cast<std::ptrdiff_t>(done), gap, std::byte{0});
        done += gap;
        continue;
      }
      const ssize_t n = ::pread(fd_.get(), out.data() + done, out.size() - done, static_cast<off_t>(at));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        throw std::runtime_error(fmt::format("cannot read image '{}' at byte {}: {}", path_, at, std::strerror(errno)));
      if (n == 0) {
        std::fill(out.begin() + static_cast<std::ptrdiff_t>(done), out.end(), std::byte{0});
        return;
      }
      done += static_cast<std::size_t>(n);
    }
  }

 private:
  std::string path_;
  std::int64_t offset_;
  UniqueFd fd_;
};

std::vector<std::uint8_t> bytes_of_hex(const std::string& hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::string operating_system() {
  struct utsname u {};
  if (::uname(&u) != 0) return "Linux";
  return fmt::format("{} {}", u.sysname, u.release);
}

/// The header: the case data, the source's identity, the tool.
void set_header(EwfWriteHandle& ewf, const E01CaseData& c, const std::string& note) {
  ewf.set_header_value("case_number", c.case_number);
  ewf.set_header_value("evidence_number", c.evidence_number);
  ewf.set_header_value("examiner_name", c.examiner);
  ewf.set_header_value("description", c.description);
  ewf.set_header_value("notes", c.notes.empty() ? note : note.empty() ? c.notes : c.notes + " | " + note);
  ewf.set_header_value("model", c.model);
  ewf.set_header_value("serial_number", c.serial);
  ewf.set_header_value("acquiry_software", "ptrescue");
  ewf.set_header_value("acquiry_software_version", "ptrescue " PTRESCUE_VERSION);
  ewf.set_header_value("acquiry_operating_system", operating_system());
}

/// Copies the media into the set, hashing what it writes.
/// Bytes from `source_bytes` to `media_bytes` (the padding to a whole
/// sector) are zeros whatever the image holds there.
std::vector<HashValue> write_media(EwfWriteHandle& ewf, const ImageReader& image, std::int64_t source_bytes,
                                   std::int64_t media_bytes, ProgressLine* progress) {
  MultiDigest digest({HashAlgorithm::kMd5, HashAlgorithm::kSha1});
  std::vector<std::byte> buffer(kWriteBlock);
  for (std::int64_t pos = 0; pos < media_bytes;) {
    const auto n = static_cast<std::size_t>(std::min<std::int64_t>(kWriteBlock, media_bytes - pos));
    const std::span<std::byte> block(buffer.data(), n);
    image.read(pos, block);
    if (pos + static_cast<std::int64_t>(n) > source_bytes)
      std::fill(block.begin() + std::max<std::int64_t>(0, source_bytes - pos), block.end(), std::byte{0});
    digest.update(block);
    ewf.write(block);
    pos += static_cast<std::int64_t>(n);
    if (progress) progress->update(pos);
  }
  if (progress) progress->finish(media_bytes);
  return digest.finish();
}

}  // namespace

EwfCompression parse_e01_compression(const std::string& text) {
  if (text == "none") return EwfCompression::kNone;
  if (text == "empty-block") return EwfCompression::kEmptyBlock;
  if (text == "fast") return EwfCompression::kFast;
  if (text == "best") return EwfCompression::kBest;
  throw UsageError(fmt::format("invalid --compression '{}': use none, empty-block, fast or best", text));
}

std::vector<Extent> unrescued_sector_runs(const MapFile& map, std::uint32_t sector_size) {
  const std::int64_t ss = sector_size;
  std::vector<Extent> runs;
  auto add = [&](std::int64_t begin, std::int64_t end) {
    const std::int64_t first = begin / ss, last = (end + ss - 1) / ss;  // outward: a partly missing sector is missing
    if (!runs.empty() && runs.back().end() >= first) runs.back().size = std::max(runs.back().end(), last) - runs.back().pos;
    else runs.push_back(Extent{first, last - first});
  };
  if (map.begin_pos() > 0) add(0, map.begin_pos());
  map.for_each([&](const MapBlock& b) {
    if (b.status != BlockStatus::kFinished) add(b.pos, b.end());
  });
  return runs;
}

std::string e01_missing_content(const std::string& image, std::int64_t image_offset, std::uint32_t sector_size,
                                const std::vector<Extent>& runs) {
  if (runs.empty()) return "";
  const ImageReader reader(image, image_offset);
  std::vector<std::byte> sector(sector_size);
  bool zeros = false, fill = false;
  for (std::size_t i = 0; i < runs.size() && i < kMaxSampledRuns; ++i) {
    reader.read(runs[i].pos * sector_size, sector);
    const bool all_zero = std::all_of(sector.begin(), sector.end(), [](std::byte b) { return b == std::byte{0}; });
    (all_zero ? zeros : fill) = true;
  }
  if (zeros && fill) return "zeros in some runs, a fill in others";
  return fill ? "a fill (not zeros)" : "zeros";
}

std::string e01_missing_sectors_note(std::int64_t sectors, std::size_t runs, const std::string& content) {
  if (sectors == 0) return "ptrescue: every sector rescued";
  return fmt::format("ptrescue: {} sectors in {} runs not rescued, listed as acquisition errors; the image holds {} there",
                     sectors, runs, content);
}

E01Result export_e01(const E01Request& request, const MapFile& map, ProgressLine* progress) {
  if (request.segment_size < kMinE01SegmentSize || request.segment_size > kMaxE01SegmentSize)
    throw UsageError(fmt::format("invalid --segment-size {}: from 1 MiB to 1 TiB", request.segment_size));
  E01Result result;
  // EWF stores whole sectors: a source that ends inside one (a regular file)
  // is padded with zeros, and the notes say so.
  const std::int64_t ss = request.sector_size;
  result.media_bytes = (map.end_pos() + ss - 1) / ss * ss;
  result.padding_bytes = result.media_bytes - map.end_pos();
  result.error_runs = unrescued_sector_runs(map, request.sector_size);
  for (const Extent& r : result.error_runs) result.unrescued_sectors += r.size;
  result.missing_content = e01_missing_content(request.image, request.image_offset, request.sector_size, result.error_runs);
  const ImageReader image(request.image, request.image_offset);

  E01Staging staging(request.out, request.replace);
  {
    EwfWriteHandle ewf(staging.basename());
    ewf.set_media(static_cast<std::uint64_t>(result.media_bytes), request.sector_size);
    ewf.set_compression(request.compression);
    ewf.set_maximum_segment_size(static_cast<std::uint64_t>(request.segment_size));
    std::string note = e01_missing_sectors_note(result.unrescued_sectors, result.error_runs.size(), result.missing_content);
    if (result.padding_bytes > 0)
      note += fmt::format("; the source's {} bytes end inside a sector: the media adds {} zero bytes", map.end_pos(),
                          result.padding_bytes);
    set_header(ewf, request.case_data, note);
    for (const Extent& r : result.error_runs)
      ewf.add_acquiry_error(static_cast<std::uint64_t>(r.pos), static_cast<std::uint64_t>(r.size));
    const std::vector<HashValue> digests = write_media(ewf, image, map.end_pos(), result.media_bytes, progress);
    result.md5 = digests[0].hex;
    result.sha1 = digests[1].hex;
    const auto md5 = bytes_of_hex(result.md5), sha1 = bytes_of_hex(result.sha1);
    ewf.set_md5(std::span<const std::uint8_t, 16>(md5.data(), 16));
    ewf.set_sha1(std::span<const std::uint8_t, 20>(sha1.data(), 20));
    ewf.finalize();
    ewf.close();
  }
  result.segments = staging.deliver();
  return result;
}

}  // namespace ptrescue
