// GNU ddrescue's mapfile: the rescue status of every byte of the source, plus
// the position, phase and pass to resume from. The in-memory form is an
// interval map (ordered, contiguous, neighbours of different status), so
// updates and look-ups cost O(log n) even with millions of fragments.
//
// File format (ddrescue manual, "Mapfile structure"):
//   # comment lines
//   0x00120000     ?               1        <- current_pos current_status current_pass
//   0x00000000  0x00117000  +               <- pos size status, hex, one per block
// The status line's pass field is optional (ddrescue < 1.21 wrote two fields).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ptrescue {

/// Block statuses, ordered from less to more processed; the char is the file's.
enum class BlockStatus : char {
  kNonTried = '?',
  kNonTrimmed = '*',
  kNonScraped = '/',
  kBadSector = '-',
  kFinished = '+',
};

/// The phase on the mapfile's status line.
enum class Phase : char {
  kCopying = '?',
  kTrimming = '*',
  kScraping = '/',
  kRetrying = '-',
  kFilling = 'F',
  kGenerating = 'G',
  kFinished = '+',
};

/// A half-open byte range [pos, pos + size).
struct Extent {
  std::int64_t pos = 0;
  std::int64_t size = 0;
  std::int64_t end() const { return pos + size; }
  bool empty() const { return size <= 0; }
  friend bool operator==(const Extent&, const Extent&) = default;
};

struct MapBlock {
  std::int64_t pos = 0;
  std::int64_t size = 0;
  BlockStatus status = BlockStatus::kNonTried;
  std::int64_t end() const { return pos + size; }
  friend bool operator==(const MapBlock&, const MapBlock&) = default;
};

/// Bytes per status, kept up to date on every change (O(1) to read).
struct MapTotals {
  std::int64_t non_tried = 0;
  std::int64_t non_trimmed = 0;
  std::int64_t non_scraped = 0;
  std::int64_t bad_sector = 0;
  std::int64_t finished = 0;
  std::int64_t bad_areas = 0;  ///< number of maximal '-' blocks
  friend bool operator==(const MapTotals&, const MapTotals&) = default;
};

/// Where to resume: the mapfile's status line.
struct MapCursor {
  std::int64_t pos = 0;
  Phase phase = Phase::kCopying;
  int pass = 1;
  friend bool operator==(const MapCursor&, const MapCursor&) = default;
};

/// A malformed mapfile: what() is "line N: reason".
class MapFileError : public std::runtime_error {
 public:
  MapFileError(int line, const std::string& reason);
  int line() const { return line_; }

 private:
  int line_;
};

class MapFile {
 public:
  /// An empty map (size 0).
  MapFile() = default;
  /// One non-tried block [0, size).
  explicit MapFile(std::int64_t size);

  /// Parses ddrescue's format. Throws MapFileError naming the line and the
  /// reason for anything malformed: bad numbers, unknown status characters,
  /// blocks that overlap, leave gaps or are out of order, a missing status
  /// line, negative or overflowing sizes. Never returns a half-read map.
  /// Blocks need not start at 0; positions before the first block are not part
  /// of the map (ddrescue allows this with domain mapfiles).
  static MapFile parse(std::string_view text);

  /// The text ddrescue writes: `comments` (each written as "# " + line), the
  /// status line, the "#      pos        size  status" header and the blocks.
  std::string serialize(const std::vector<std::string>& comments) const;

  /// First byte covered by the map and one past the last.
  std::int64_t begin_pos() const;
  std::int64_t end_pos() const;

  /// Sets [pos, pos + size) to `status`, splitting and merging blocks so that
  /// neighbours always differ. The range must lie within [begin_pos, end_pos).
  void set_status(std::int64_t pos, std::int64_t size, BlockStatus status);
  void set_status(const Extent& e, BlockStatus status) { set_status(e.pos, e.size, status); }

  /// Grows the map to `new_end` with non-tried bytes (no-op if not larger).
  void extend_to(std::int64_t new_end);

  /// Status of the byte at `pos` (must be inside the map).
  BlockStatus status_at(std::int64_t pos) const;
  /// The maximal block containing `pos`.
  MapBlock block_at(std::int64_t pos) const;

  /// The first run of `status` that ends after `from`, clipped to start at
  /// `from` or later; nullopt if none before end_pos().
  std::optional<Extent> find_forward(std::int64_t from, BlockStatus status) const;
  /// The last run of `status` that starts before `before`, clipped to end at
  /// `before` or earlier; nullopt if none.
  std::optional<Extent> find_backward(std::int64_t before, BlockStatus status) const;

  /// All blocks in order (a copy; use for_each on big maps).
  std::vector<MapBlock> blocks() const;
  template <class F>
  void for_each(F&& f) const {
    for (const auto& [pos, node] : blocks_) f(MapBlock{pos, node.end - pos, node.status});
  }
  std::size_t block_count() const { return blocks_.size(); }

  const MapTotals& totals() const { return totals_; }
  const MapCursor& cursor() const { return cursor_; }
  void set_cursor(const MapCursor& c) { cursor_ = c; }

 private:
  struct Node {
    std::int64_t end;
    BlockStatus status;
  };
  using Blocks = std::map<std::int64_t, Node>;

  // Bookkeeping that keeps totals_ and starts_ in step with blocks_.
  Blocks::iterator insert_node(Blocks::const_iterator hint, std::int64_t pos, std::int64_t end,
                               BlockStatus status);
  Blocks::iterator erase_node(Blocks::iterator it);
  Blocks::iterator split_at(std::int64_t pos);
  void merge_with_next(Blocks::iterator it);

  Blocks blocks_;  // key: pos
  // The start of every block, one set per status, so that find_forward and
  // find_backward are O(log n) however many blocks of other statuses lie between.
  std::array<std::set<std::int64_t>, 5> starts_;
  MapTotals totals_;
  MapCursor cursor_;
};

}  // namespace ptrescue
