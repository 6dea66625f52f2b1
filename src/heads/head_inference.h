// SPDX-License-Identifier: GPL-3.0-or-later
// Head-map inference without vendor commands: a weak head fails in stripes
// that repeat along the LBA axis (one stripe per period of `heads` stripes),
// so the positions of read errors — the exact first bad sector of each failed
// read — betray the period, the stripe length and, zone by zone, which stripes
// belong to the weak head. docs/HEADMAP.md describes the method.
//
// Pure: evidence in, model out. The scheduler feeds it online (errors of the
// first pass, grouped into bands as they are crossed); `ptrescue headmap
// infer` feeds it offline (bad areas of a mapfile, failed reads of a log).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/heads/head_map.h"
#include "transport/device.h"

namespace ptrescue {

/// A run of nearby errors: the part of one weak stripe that was seen failing.
struct ErrorBand {
  Lba first = 0;       ///< First bad LBA seen.
  Lba last = 0;        ///< Last bad LBA seen (>= first).
  /// Where a stretch of good reads that ended the band began (an upper bound
  /// of the stripe's end when the band was crossed forwards); 0 = unknown.
  Lba clear_from = 0;
  int errors = 1;      ///< Failed reads in the band.
};

/// A weak stripe predicted by the model: [start, end).
struct WeakWindow {
  Lba start = 0;
  Lba end = 0;
};

/// The periodic structure found: within each segment (a zone, as far as
/// the errors tell), weak windows [phase + k*period, phase + k*period + stripe).
struct StripeModel {
  struct Segment {
    Lba lo = 0;      ///< The windows of this segment lie in [lo, hi).
    Lba hi = 0;
    Lba phase = 0;   ///< Start of one weak window (any of them).
    int bands = 0;   ///< Bands that support it.
  };
  Lba period = 0;
  Lba stripe = 0;
  int heads = 0;     ///< period / stripe.
  /// How far (sectors) the true period may be from `period`: the range of
  /// periods under which the bands fit as well.
  Lba period_spread = 0;
  std::vector<Segment> segments;  ///< In LBA order; neighbours may overlap.
  double confidence = 0;          ///< 0..1: how sure the fit is.
  int supporting_bands = 0;       ///< Bands whose spacing matched the period.

  /// The predicted weak window with the lowest start among those ending
  /// after `lba`, if any.
  std::optional<WeakWindow> next_window(Lba lba) const;
  /// The predicted weak window with the highest end among those starting
  /// before `lba`, if any.
  std::optional<WeakWindow> prev_window(Lba lba) const;
  /// Whether `lba` lies in a predicted weak window.
  bool in_window(Lba lba) const;

  /// A head map of the model: zone form per segment with the weak stripes
  /// labelled `weak_label` (marked weak) and the others numbered by their
  /// place in the period. Covers [0, capacity).
  HeadMap to_head_map(Lba capacity) const;
  /// One line: "period 16384, stripe 4096 (4 heads), 16 segments, confidence 0.97".
  std::string summary(std::uint32_t sector_size) const;
};

struct InferenceSettings {
  /// Granularity of the evidence (sectors): errors closer than this are not
  /// told apart. The scheduler passes its read size.
  Lba granule = 128;
  /// Below this the model is not used (plain ddrescue order instead).
  double min_confidence = 0.6;
  /// The period of the model in use, if any: kept as long as the bands
  /// still support it nearly as well as the best spacing (so that a few
  /// noisy bands do not move a period found on many).
  Lba period_hint = 0;
  /// The bands hold strays (scattered damage next to weak stripes), which
  /// blur the arcs the period is refined on: it is pinned by bands that
  /// line up exactly instead, where they clearly do.
  bool stray_points = false;
};

/// Groups sorted error LBAs into bands: the gaps between errors fall into
/// short ones (inside a stripe) and long ones (between stripes), split at
/// the widest jump of their sorted logarithms. Without a clear split every
/// error is its own band.
std::vector<ErrorBand> group_errors(std::vector<Lba> errors);

/// The cores of crossed bands, for drives with scattered damage besides a
/// weak head: a band's first or last error, parted from the rest by more
/// than twice the usual gap between the errors of bands, is trimmed off (a
/// bad sector of a healthy head that the band took in); a band left with
/// one error is dropped (strays only). `errors`: every error LBA seen.
std::vector<ErrorBand> band_cores(const std::vector<ErrorBand>& bands, std::vector<Lba> errors);

/// Fits the periodic model to bands in LBA order. nullopt when there is no
/// periodic structure at all (fewer than 3 bands, no repeating spacing).
std::optional<StripeModel> fit_stripes(const std::vector<ErrorBand>& bands, Lba capacity,
                                       const InferenceSettings& settings = {});

/// What `ptrescue headmap infer` and the end of a rescue write out.
struct HeadInference {
  std::optional<StripeModel> model;
  HeadMap map;  ///< Empty unless the model is confident.
  bool confident = false;
};
HeadInference infer_head_map(const std::vector<Lba>& errors, Lba capacity,
                             const InferenceSettings& settings = {});

}  // namespace ptrescue
