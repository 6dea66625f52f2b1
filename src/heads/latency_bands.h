// SPDX-License-Identifier: GPL-3.0-or-later
// Weak heads found from how slowly they read (docs/HEADMAP.md, "Heads from
// latency"). A weak head pays extra time on every command that touches its
// stripes, long before it fails: the good reads of a forward pass that are
// clearly slower than their neighbours form runs, one per weak stripe,
// which the stripe fit (head_inference.h) takes like bands of errors.
//
// Robust against what makes a read fast or slow without the head: a read
// after a seek is not judged (it pays the seek); a read much faster than
// the drive's usual (served from the drive's cache or its sequential
// read-ahead, the media not touched) is not judged either and does not end
// a run; the usual time is the local median, so zones of different media
// rates and slow firmware (every read slow alike) give no runs at all.
//
// Pure: timed reads in, bands or a model out.
#pragma once

#include <optional>
#include <vector>

#include "src/heads/head_inference.h"
#include "transport/device.h"

namespace ptrescue {

/// One good read and what it cost.
struct TimedRead {
  Lba lba = 0;
  Lba sectors = 0;
  double ms = 0;
};

struct LatencySettings {
  /// A read this much slower (ms) than the usual one nearby is slow.
  double min_excess_ms = 8;
  /// A read that took less than this share of the drive's median time per
  /// sector was served from a cache (the media was not read).
  double cache_share = 0.5;
  /// Reads on each side whose lower quartile is the usual time nearby
  /// (capped at the whole drive's lower quartile plus min_excess_ms, so
  /// that a slow stripe longer than the window still stands out).
  int window = 48;
  /// Normal reads in a row that end a run of slow ones (one normal read
  /// amid slow ones is taken as a slow read the read-ahead half served).
  int normal_to_end = 2;
};

/// How each read was judged (for tests and `ptrescue analyze`).
enum class ReadPace { kNormal, kSlow, kUnjudged };

/// `reads` in the order they were issued. Judges each read: unjudged after
/// a seek (its LBA is not where the previous read ended) or when served
/// from a cache, slow when clearly slower than the usual time nearby.
std::vector<ReadPace> judge_paces(const std::vector<TimedRead>& reads, const LatencySettings& settings = {});

/// The runs of slow reads of a forward pass, as bands: `first` = the last
/// sector of the first slow read, `last` = the first sector of the last
/// (both surely inside the slow stripe), `clear_from` = where the next
/// normal read began (the stripe ends at or before it), `errors` = slow
/// reads. `reads` in issue order; bands come in LBA order.
std::vector<ErrorBand> slow_bands(const std::vector<TimedRead>& reads, const LatencySettings& settings = {});

/// A run of slow reads: its band, and where its first slow read began (the
/// stripe starts at or after it).
struct SlowRun {
  ErrorBand band;
  Lba outer_first = 0;
};
std::vector<SlowRun> slow_runs(const std::vector<TimedRead>& reads, const LatencySettings& settings = {});

/// Whether the model's stripe is no wider than the runs allow (a run
/// ended by a normal read spans its stripe and at most a read more each
/// side): the fit of bands known only to a read's width can take too few
/// heads of too wide stripes.
bool stripe_agrees_with_runs(const StripeModel& m, const std::vector<SlowRun>& runs);

/// The stripe model of slow runs, if they repeat (fit_stripes) and agree
/// with its stripe; its windows start where the runs' first slow reads
/// began (the usual lead of `first` taken off).
std::optional<StripeModel> fit_runs(const std::vector<SlowRun>& runs, Lba capacity, const InferenceSettings& fit = {});

/// The stripe model of the slow reads: fit_runs(slow_runs(reads)).
std::optional<StripeModel> fit_latency(const std::vector<TimedRead>& reads, Lba capacity,
                                       const InferenceSettings& fit = {}, const LatencySettings& settings = {});

}  // namespace ptrescue
