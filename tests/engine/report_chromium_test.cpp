// SPDX-License-Identifier: GPL-3.0-or-later
// The HTML report as a browser shows it: headless Chromium loads the page,
// --dump-dom gives the DOM after its script ran (the map's place on the page
// and its geometry), --screenshot gives the pixels, and the test counts the
// separate red patches inside the sector map: there must be exactly as many
// as the map has runs of bad cells, computed here from the mapfile alone.
// Skipped when no chromium is on PATH (tools/setup.sh installs Debian's).
//
// The PNG decoder below (zlib inflate, RFC 1950/1951; PNG filters, RFC 2083
// section 6) is the minimum for Chromium's screenshots: 8-bit RGB or RGBA,
// not interlaced.
#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "src/mapfile/mapfile.h"
#include "support/run_process.h"
#include "support/required_tool.h"
#include "support/temp_dir.h"

namespace ptrescue {
namespace {

using test::on_path;
using test::run_process;
using test::run_ptrescue;
using test::TempDir;

// ---- inflate -----------------------------------------------------------------

class Inflater {
 public:
  explicit Inflater(const std::vector<std::uint8_t>& in) : in_(in) {}

  std::vector<std::uint8_t> run() {
    bool last = false;
    while (!last) {
      last = bits(1) == 1;
      const unsigned type = bits(2);
      if (type == 0) stored();
      else if (type == 1) fixed();
      else if (type == 2) dynamic();
      else throw std::runtime_error("inflate: bad block type");
    }
    return std::move(out_);
  }

 private:
  // Canonical Huffman code: count of codes per length, symbols in code order.
  struct Huffman {
    std::array<std::uint16_t, 16> count{};
    std::vector<std::uint16_t> symbol;
  };

  unsigned bits(int n) {
    unsigned v = 0;
    for (int i = 0; i < n; ++i) {
      if (pos_ >= in_.size()) throw std::runtime_error("inflate: out of input");
      v |= static_cast<unsigned>((in_[pos_] >> bit_) & 1u) << i;
      if (++bit_ == 8) {
        bit_ = 0;
        ++pos_;
      }
    }
    return v;
  }

  static Huffman build(const std::vector<std::uint8_t>& lengths) {
    Huffman h;
    for (auto l : lengths) ++h.count[l];
    h.count[0] = 0;
    std::array<std::uint16_t, 16> offset{};
    for (int l = 1; l < 16; ++l) offset[l] = static_cast<std::uint16_t>(offset[l - 1] + h.count[l - 1]);
    h.symbol.resize(lengths.size());
    for (std::size_t s = 0; s < lengths.size(); ++s)
      if (lengths[s] != 0) h.symbol[offset[lengths[s]]++] = static_cast<std::uint16_t>(s);
    return h;
  }

  int decode(const Huffman& h) {
    int code = 0, first = 0, index = 0;
    for (int len = 1; len < 16; ++len) {
      code |= static_cast<int>(bits(1));
      const int n = h.count[len];
      if (code - first < n) return h.symbol[index + code - first];
      index += n;
      first = (first + n) << 1;
      code <<= 1;
    }
    throw std::runtime_error("inflate: bad code");
  }

  void stored() {
    if (bit_ != 0) {
      bit_ = 0;
      ++pos_;
    }
    if (pos_ + 4 > in_.size()) throw std::runtime_error("inflate: short stored block");
    const unsigned len = in_[pos_] | (in_[pos_ + 1] << 8);
    pos_ += 4;
    if (pos_ + len > in_.size()) throw std::runtime_error("inflate: short stored block");
    out_.insert(out_.end(), in_.begin() + static_cast<std::ptrdiff_t>(pos_),
                in_.begin() + static_cast<std::ptrdiff_t>(pos_ + len));
    pos_ += len;
  }

  void codes(const Huffman& lit, const Huffman& dist) {
    static constexpr std::uint16_t kLenBase[] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                                 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
    static constexpr std::uint8_t kLenExtra[] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                                 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
    static constexpr std::uint16_t kDistBase[] = {1,    2,    3,    4,    5,    7,     9,     13,    17,  25,
                                                  33,   49,   65,   97,   129,  193,   257,   385,   513, 769,
                                                  1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
    static constexpr std::uint8_t kDistExtra[] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                                  6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
    while (true) {
      const int sym = decode(lit);
      if (sym < 256) {
        out_.push_back(static_cast<std::uint8_t>(sym));
      } else if (sym == 256) {
        return;
      } else {
        const int li = sym - 257;
        if (li >= 29) throw std::runtime_error("inflate: bad length");
        const std::size_t len = kLenBase[li] + bits(kLenExtra[li]);
        const int di = decode(dist);
        if (di >= 30) throw std::runtime_error("inflate: bad distance");
        const std::size_t d = kDistBase[di] + bits(kDistExtra[di]);
        if (d > out_.size()) throw std::runtime_error("inflate: distance too far");
        for (std::size_t i = 0; i < len; ++i) out_.push_back(out_[out_.size() - d]);
      }
    }
  }

  void fixed() {
    std::vector<std::uint8_t> l(288);
    for (int i = 0; i < 288; ++i) l[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
    codes(build(l), build(std::vector<std::uint8_t>(30, 5)));
  }

  void dynamic() {
    const unsigned nlen = bits(5) + 257, ndist = bits(5) + 1, ncode = bits(4) + 4;
    static constexpr std::uint8_t kOrder[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    std::vector<std::uint8_t> cl(19);
    for (unsigned i = 0; i < ncode; ++i) cl[kOrder[i]] = static_cast<std::uint8_t>(bits(3));
    const Huffman lencode = build(cl);
    std::vector<std::uint8_t> lengths;
    while (lengths.size() < nlen + ndist) {
      const int sym = decode(lencode);
      if (sym < 16) {
        lengths.push_back(static_cast<std::uint8_t>(sym));
      } else {
        std::uint8_t value = 0;
        unsigned repeat = 0;
        if (sym == 16) {
          if (lengths.empty()) throw std::runtime_error("inflate: repeat with no length");
          value = lengths.back();
          repeat = 3 + bits(2);
        } else if (sym == 17) {
          repeat = 3 + bits(3);
        } else {
          repeat = 11 + bits(7);
        }
        lengths.insert(lengths.end(), repeat, value);
      }
    }
    if (lengths.size() != nlen + ndist) throw std::runtime_error("inflate: too many lengths");
    codes(build(std::vector<std::uint8_t>(lengths.begin(), lengths.begin() + nlen)),
          build(std::vector<std::uint8_t>(lengths.begin() + nlen, lengths.end())));
  }

  const std::vector<std::uint8_t>& in_;
  std::size_t pos_ = 2;  // past the zlib header (CMF, FLG)
  int bit_ = 0;
  std::vector<std::uint8_t> out_;
};

// ---- PNG ---------------------------------------------------------------------

struct Image {
  int width = 0, height = 0;
  std::vector<std::array<std::uint8_t, 3>> rgb;
  const std::array<std::uint8_t, 3>& at(int x, int y) const { return rgb[static_cast<std::size_t>(y) * width + x]; }
};

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

Image decode_png(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<std::uint8_t> f((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  static constexpr std::uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (f.size() < 8 || !std::equal(kSignature, kSignature + 8, f.begin())) throw std::runtime_error("not a PNG");
  Image img;
  int colour_type = -1;
  std::vector<std::uint8_t> idat;
  for (std::size_t p = 8; p + 12 <= f.size();) {
    const std::uint32_t len = be32(&f[p]);
    const std::string type(reinterpret_cast<const char*>(&f[p + 4]), 4);
    const std::uint8_t* data = &f[p + 8];
    if (p + 12 + len > f.size()) throw std::runtime_error("PNG: truncated chunk");
    if (type == "IHDR") {
      img.width = static_cast<int>(be32(data));
      img.height = static_cast<int>(be32(data + 4));
      if (data[8] != 8 || data[12] != 0) throw std::runtime_error("PNG: only 8-bit, non-interlaced");
      colour_type = data[9];
    } else if (type == "IDAT") {
      idat.insert(idat.end(), data, data + len);
    }
    p += 12 + len;
  }
  const int bpp = colour_type == 6 ? 4 : colour_type == 2 ? 3 : 0;
  if (bpp == 0) throw std::runtime_error("PNG: only RGB or RGBA");
  const std::vector<std::uint8_t> raw = Inflater(idat).run();
  const std::size_t stride = static_cast<std::size_t>(img.width) * bpp;
  if (raw.size() < (stride + 1) * img.height) throw std::runtime_error("PNG: short image data");
  std::vector<std::uint8_t> prev(stride, 0), cur(stride);
  img.rgb.resize(static_cast<std::size_t>(img.width) * img.height);
  for (int y = 0; y < img.height; ++y) {
    const std::uint8_t* row = &raw[y * (stride + 1)];
    const int filter = row[0];
    for (std::size_t i = 0; i < stride; ++i) {
      const int a = i >= static_cast<std::size_t>(bpp) ? cur[i - bpp] : 0;
      const int b = prev[i];
      const int c = i >= static_cast<std::size_t>(bpp) ? prev[i - bpp] : 0;
      int pred = 0;
      switch (filter) {
        case 0: pred = 0; break;
        case 1: pred = a; break;
        case 2: pred = b; break;
        case 3: pred = (a + b) / 2; break;
        case 4: {
          const int pp = a + b - c, pa = std::abs(pp - a), pb = std::abs(pp - b), pc = std::abs(pp - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: throw std::runtime_error("PNG: bad filter");
      }
      cur[i] = static_cast<std::uint8_t>(row[1 + i] + pred);
    }
    for (int x = 0; x < img.width; ++x)
      img.rgb[static_cast<std::size_t>(y) * img.width + x] = {cur[x * bpp], cur[x * bpp + 1], cur[x * bpp + 2]};
    std::swap(prev, cur);
  }
  return img;
}

bool is_bad_red(const std::array<std::uint8_t, 3>& p) { return p[0] > 180 && p[1] < 90 && p[2] < 90; }

/// 4-connected patches of bad-sector red inside [x0, x0 + w) x [y0, y0 + h).
int red_patches(const Image& img, int x0, int y0, int w, int h, std::int64_t* red_pixels) {
  std::vector<char> seen(static_cast<std::size_t>(w) * h, 0);
  int patches = 0;
  *red_pixels = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      if (seen[static_cast<std::size_t>(y) * w + x] || !is_bad_red(img.at(x0 + x, y0 + y))) continue;
      ++patches;
      std::vector<std::pair<int, int>> stack{{x, y}};
      seen[static_cast<std::size_t>(y) * w + x] = 1;
      while (!stack.empty()) {
        const auto [cx, cy] = stack.back();
        stack.pop_back();
        ++*red_pixels;
        for (const auto& [dx, dy] : {std::pair{1, 0}, std::pair{-1, 0}, std::pair{0, 1}, std::pair{0, -1}}) {
          const int nx = cx + dx, ny = cy + dy;
          if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
          auto& s = seen[static_cast<std::size_t>(ny) * w + nx];
          if (s || !is_bad_red(img.at(x0 + nx, y0 + ny))) continue;
          s = 1;
          stack.emplace_back(nx, ny);
        }
      }
    }
  return patches;
}

std::string chromium_binary() {
  for (const char* name : {"chromium", "chromium-browser"})
    if (on_path(name)) return name;
  return {};
}

std::vector<std::string> chromium_args(const std::string& binary, const std::string& profile) {
  return {binary,
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--hide-scrollbars",
          "--force-device-scale-factor=1",
          "--user-data-dir=" + profile,
          "--window-size=1200,900"};
}

/// Runs of consecutive bad cells within a row, from the mapfile alone.
int expected_bad_runs(const MapFile& m, std::int64_t cell_bytes, int columns) {
  std::set<std::int64_t> bad_cells;
  m.for_each([&](const MapBlock& b) {
    if (b.status != BlockStatus::kBadSector) return;
    for (std::int64_t c = (b.pos - m.begin_pos()) / cell_bytes; c <= (b.end() - 1 - m.begin_pos()) / cell_bytes; ++c)
      bad_cells.insert(c);
  });
  int runs = 0;
  std::int64_t prev = -2;
  for (std::int64_t c : bad_cells) {
    if (c != prev + 1 || c % columns == 0) ++runs;
    prev = c;
  }
  return runs;
}

TEST(ReportInChromium, TheScreenshotShowsEveryBadRunOfTheMap) {
  const std::string chromium = chromium_binary();
  if (chromium.empty()) PTRESCUE_REQUIRE_TOOL("chromium");
  TempDir dir;
  // 64 MiB: bad areas of a few sectors to a few hundred KiB, far apart, one
  // straddling two cells; other statuses in between must not count as red.
  const std::int64_t size = 64 << 20;
  MapFile m(size);
  m.set_status(0, size, BlockStatus::kFinished);
  const std::int64_t mib = 1 << 20;
  for (const auto& [pos, len] : std::vector<std::pair<std::int64_t, std::int64_t>>{
           {mib, 512}, {5 * mib + 4096, 8 * 512}, {11 * mib - 1024, 2048}, {20 * mib, 300 << 10},
           {33 * mib + 77 * 512, 512}, {47 * mib, 16 * 512}, {63 * mib + 100 * 512, 512}})
    m.set_status(pos, len, BlockStatus::kBadSector);
  m.set_status(15 * mib, 64 << 10, BlockStatus::kNonTrimmed);
  m.set_status(40 * mib, 2 * mib, BlockStatus::kNonTried);
  m.set_status(52 * mib, 4096, BlockStatus::kNonScraped);
  std::ofstream(dir.file("map")) << m.serialize({"Mapfile. Created by a test", "Command line: test", "Finished"});
  // A reads log and a head map too, so the page has everything below the map.
  std::string log = "# Reads Logfile. Created by a test\n# 0ms  Copying non-tried blocks... Pass 1 (forwards)\n";
  for (std::int64_t p = 0; p < size; p += 1 << 20)
    log += fmt::format("0x{:08X}\t1048576\t1048576\t0\tok\t{}\t10000\n", p, 5 + (p >> 20) % 4 * 30);
  std::ofstream(dir.file("reads.log")) << log;
  std::string heads;
  for (std::int64_t s = 0; s < size / 512; s += 8192) heads += fmt::format("{} 8192 {}\n", s, (s / 8192) % 4);
  std::ofstream(dir.file("map.headmap")) << heads;

  const auto r = run_ptrescue({"report", "-q", dir.file("map"), "--reads", dir.file("reads.log"), "--html",
                               dir.file("report.html")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const std::string url = "file://" + dir.file("report.html");

  auto dom_args = chromium_args(chromium, dir.file("profile-dom"));
  dom_args.push_back("--dump-dom");
  dom_args.push_back(url);
  const auto dom = run_process(dom_args, std::chrono::seconds(90));
  ASSERT_EQ(dom.exit_code, 0) << dom.describe();
  std::smatch box, cell, cols;
  ASSERT_TRUE(std::regex_search(dom.out, box, std::regex("data-box=\"(\\d+),(\\d+),(\\d+),(\\d+)\"")))
      << "the page's script did not run\n"
      << dom.out.substr(0, 2000);
  ASSERT_TRUE(std::regex_search(dom.out, cell, std::regex("data-cell-bytes=\"(\\d+)\"")));
  ASSERT_TRUE(std::regex_search(dom.out, cols, std::regex("data-columns=\"(\\d+)\"")));
  const int want = expected_bad_runs(m, std::stoll(cell[1]), std::stoi(cols[1]));
  ASSERT_GE(want, 7);
  int dom_runs = 0;
  for (std::size_t p = dom.out.find("class=\"run st-bad-sector\""); p != std::string::npos;
       p = dom.out.find("class=\"run st-bad-sector\"", p + 1))
    ++dom_runs;
  EXPECT_EQ(dom_runs, want);

  auto shot_args = chromium_args(chromium, dir.file("profile-shot"));
  shot_args.push_back("--screenshot=" + dir.file("shot.png"));
  shot_args.push_back(url);
  const auto shot = run_process(shot_args, std::chrono::seconds(90));
  ASSERT_EQ(shot.exit_code, 0) << shot.describe();
  const Image img = decode_png(dir.file("shot.png"));
  ASSERT_EQ(img.width, 1200);
  ASSERT_EQ(img.height, 900);
  const int x = std::stoi(box[1]), y = std::stoi(box[2]), w = std::stoi(box[3]), h = std::stoi(box[4]);
  ASSERT_GT(w, 0);
  ASSERT_GT(h, 0);
  ASSERT_LE(x + w, img.width) << "the map must be on screen";
  ASSERT_LE(y + h, img.height) << "the map must be on screen";
  std::int64_t red_pixels = 0;
  EXPECT_EQ(red_patches(img, x, y, w, h, &red_pixels), want)
      << "separate red patches in the map at " << x << "," << y << " " << w << "x" << h;
  // The rest of the map is drawn too: mostly green (rescued), not blank.
  std::int64_t green = 0;
  for (int yy = y; yy < y + h; ++yy)
    for (int xx = x; xx < x + w; ++xx) {
      const auto& p = img.at(xx, yy);
      if (p[1] > 150 && p[0] < 120 && p[2] < 120) ++green;
    }
  EXPECT_GT(green, static_cast<std::int64_t>(w) * h / 2);
  EXPECT_GT(red_pixels, 0);
}

}  // namespace
}  // namespace ptrescue
