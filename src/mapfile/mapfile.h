// SPDX-License-Identifier: GPL-3.0-or-later
// GNU ddrescue's mapfile: the rescue status of every byte of the source, plus
// the position, phase and pass to resume from. The in-memory form is an
// interval map (ordered, contiguous, neighbours of different status) kept in
// chunks of a few hundred blocks with a per-status index over the chunks, so
// updates and look-ups cost O(log n) even with millions of fragments, and a
// parsed file becomes a map without one allocation per block (docs/MAPFILE.md).
//
// File format (ddrescue manual, "Mapfile structure"):
//   # comment lines
//   0x00120000     ?               1        <- current_pos current_status current_pass
//   0x00000000  0x00117000  +               <- pos size status, hex, one per block
// The status line's pass field is optional (ddrescue < 1.21 wrote two fields).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
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
  class Parser;

  /// An empty map (size 0).
  MapFile() = default;
  /// One non-tried block [0, size).
  explicit MapFile(std::int64_t size);
  MapFile(const MapFile& other);
  MapFile& operator=(const MapFile& other);
  /// A moved-from map is empty.
  MapFile(MapFile&& other) noexcept;
  MapFile& operator=(MapFile&& other) noexcept;
  ~MapFile();

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
  std::int64_t begin_pos() const { return firsts_.empty() ? 0 : firsts_.front(); }
  std::int64_t end_pos() const { return end_; }

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
  /// Calls f(const MapBlock&) for every block in order. f must not change the map.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t c = 0; c < chunks_.size(); ++c) {
      const Chunk& ch = *chunks_[c];
      const std::int64_t chunk_end = c + 1 < chunks_.size() ? firsts_[c + 1] : end_;
      for (std::size_t i = 0; i < ch.size; ++i) {
        const std::int64_t e = i + 1 < ch.size ? ch.pos[i + 1] : chunk_end;
        f(MapBlock{ch.pos[i], e - ch.pos[i], ch.status[i]});
      }
    }
  }
  std::size_t block_count() const { return block_count_; }

  const MapTotals& totals() const { return totals_; }
  const MapCursor& cursor() const { return cursor_; }
  void set_cursor(const MapCursor& c) {
    if (c == cursor_) return;
    cursor_ = c;
    ++version_;
  }

  /// Changes each time set_status, extend_to or set_cursor changes the map or
  /// the cursor (calls that leave both as they were do not count), so that a
  /// caller can tell whether there is anything new to save. A constructed or
  /// parsed map starts at 0; copies and moves carry the value along.
  std::uint64_t version() const { return version_; }

  /// For tests: throws std::logic_error naming the first broken internal
  /// invariant (chunk layout, per-status index, totals). O(n).
  void check_invariants() const;
  /// For tests: re-chunks the map into chunks of at most `blocks` (8 to 512)
  /// blocks and keeps that limit, so that a small map exercises the code that
  /// splits, merges and crosses chunks.
  void set_chunk_limit_for_testing(std::size_t blocks);

 private:
  static constexpr std::size_t kChunkCapacity = 512;

  // Consecutive blocks, as their starts and statuses: block i ends where block
  // i + 1 starts, the last one where the next chunk starts (or at end_).
  // Flat arrays so that building from a file, copying and searching a chunk
  // are plain memory operations.
  struct Chunk {
    std::size_t size = 0;
    std::array<std::uint32_t, 5> count{};  // blocks per status (block_status_index.h)
    std::int64_t pos[kChunkCapacity];
    BlockStatus status[kChunkCapacity];
    // From pre-faulted slabs (mapfile.cpp): see ChunkSlabs there.
    static void* operator new(std::size_t bytes);
    static void operator delete(void* p) noexcept;
  };
  // A block: chunk index and index within the chunk.
  struct Loc {
    std::size_t c = 0;
    std::size_t i = 0;
  };
  struct Entry {
    std::int64_t pos;
    BlockStatus status;
  };

  static std::unique_ptr<Chunk> new_chunk();
  std::int64_t start_of(Loc l) const { return chunks_[l.c]->pos[l.i]; }
  BlockStatus status_of(Loc l) const { return chunks_[l.c]->status[l.i]; }
  std::int64_t end_of(Loc l) const;
  Loc locate(std::int64_t pos) const;  // pos within [begin_pos, end_pos)
  bool step_forward(Loc& l) const;
  bool step_back(Loc& l) const;

  void append_block(std::int64_t pos, BlockStatus status);  // at the end, index not updated
  void replace(Loc first, std::size_t count, const Entry* with, std::size_t with_count);
  void erase_blocks(Loc first, std::size_t count);
  void insert_blocks(const Entry* with, std::size_t with_count);
  void split_chunk(std::size_t c, std::size_t at);
  void merge_if_underfull(std::size_t c);
  void remove_chunks(std::size_t from, std::size_t to);

  // The index: firsts_[c] is chunk c's first block start; status_tree_ is a
  // segment tree of per-chunk status bitmasks (leaves from index leaves_), so
  // the next or previous chunk holding a status is found in O(log n).
  void reindex();
  void refresh(std::size_t c);
  std::size_t next_chunk_with(std::size_t c, BlockStatus status) const;
  std::size_t prev_chunk_with(std::size_t c, BlockStatus status) const;

  std::vector<std::unique_ptr<Chunk>> chunks_;
  std::vector<std::int64_t> firsts_;
  std::vector<std::uint8_t> status_tree_;
  std::size_t leaves_ = 0;
  std::size_t chunk_limit_ = kChunkCapacity;
  std::size_t block_count_ = 0;
  std::int64_t end_ = 0;
  MapTotals totals_;
  MapCursor cursor_;
  std::uint64_t version_ = 0;
};

/// Parses a mapfile fed in pieces of any size (a line may span pieces), so a
/// big file can be parsed as it is read. MapFile::parse(text) is feed(text)
/// then finish(). Errors are thrown as MapFileError, as by MapFile::parse.
class MapFile::Parser {
 public:
  Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
  void feed(std::string_view piece);
  /// feed() for a first piece that holds the whole file: a big one has its
  /// second half parsed on a second thread and joined on. Anything there the
  /// join cannot take as it is (a malformed or odd line, a gap at the seam)
  /// makes it parse the whole text again on one thread, so the map, or the
  /// error and its line, are exactly feed()'s.
  void feed_whole(std::string_view text);
  /// Whether feed_whole() joined a second half parsed on another thread (for
  /// tests: the fallback would give the same map).
  bool joined_two_halves() const { return joined_; }
  /// The map, after the last piece. The parser is spent afterwards.
  MapFile finish();

 private:
  void flush_carry();                 // parses an unfinished last line
  bool join_tail(Parser& tail);       // appends a second half parsed apart
  void restart();                     // back to a new parser's state
  void parse_lines(const char* p, const char* end);  // whole lines only
  void parse_line(std::string_view line);            // one line, any form
  void add_block(std::int64_t pos, std::int64_t size, BlockStatus status);
  void check_unusual_block(std::int64_t pos, std::int64_t size);

  MapFile map_;
  Chunk* tail_ = nullptr;  // map_'s last chunk
  std::string carry_;      // an unfinished line from the previous piece
  bool have_status_line_ = false;
  int zero_block_line_ = 0;  // the line of a lone "0 0 ?" block (an empty map)
  std::int64_t last_pos_ = -1;  // the previous block line's extent, as written
  std::int64_t last_end_ = -1;
  BlockStatus last_status_{};   // of the last block kept (none yet: not a status)
  std::array<std::int64_t, 5> bytes_{};  // per status index, for map_.totals_
  std::int64_t bad_areas_ = 0;
  int line_no_ = 0;
  bool joined_ = false;
};

}  // namespace ptrescue
