// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/transport_detect.h"

#include <fmt/format.h>

#include "transport/node_lookup.h"
#include "transport/nvme_device.h"
#include "transport/reattaching_device.h"
#include "transport/sat_device.h"
#include "transport/scsi_device.h"

namespace ptrescue {

namespace {

std::string_view kind_text(NodeKind k) {
  switch (k) {
    case NodeKind::kRegularFile: return "a regular file";
    case NodeKind::kScsiDisk: return "a SCSI disk";
    case NodeKind::kScsiGeneric: return "an sg node";
    case NodeKind::kNvmeNamespace: return "an NVMe namespace";
    case NodeKind::kNvmeGeneric: return "an NVMe namespace (char node)";
    case NodeKind::kNvmeController: return "an NVMe controller";
    case NodeKind::kPartition: return "a partition";
    case NodeKind::kOtherBlock: return "a block device that is neither a SCSI disk nor an NVMe namespace";
    case NodeKind::kOther: return "neither a file nor a disk";
  }
  return "unknown";
}

TransportError cannot(const ResolvedNode& n, TransportChoice c, std::string_view hint) {
  return TransportError(fmt::format("--transport {}: {} is {}{}{}", transport_choice_word(c), n.path,
                                    kind_text(n.kind), hint.empty() ? "" : "; ", hint));
}

std::unique_ptr<Device> open_block(const std::string& path, const FileDeviceOptions& file_options) {
  return FileDevice::open(path, file_options);
}

template <class D>
std::unique_ptr<Device> with_notes(std::unique_ptr<D> dev, std::vector<std::string>& notes) {
  for (auto& line : dev->take_notes()) notes.push_back(std::move(line));
  return dev;
}

// Auto, after ATA PASS-THROUGH(16) failed with `sat_failure`: SCSI READ,
// with IDENTIFY and SMART through ATA PASS-THROUGH(12) when the 16-byte form
// was refused as an unknown opcode and the 12-byte one answers and is
// trusted (ScsiDevice checks the device type first: A1h is BLANK on an
// optical drive).
std::unique_ptr<Device> open_scsi_fallback(SysIo& io, const ResolvedNode& n, const PassThroughOptions& options,
                                           const std::string& sat_failure, bool distrusted, bool try_ata12,
                                           std::vector<std::string>& notes) {
  auto dev = ScsiDevice::open(io, n.sg_path, n.path, options, n.block_name, try_ata12);
  if (dev->uses_ata12()) {
    dev->add_fact("transport choice",
                  fmt::format("SCSI READ; ATA commands through ATA PASS-THROUGH(12): the bridge refuses the "
                              "16-byte form ({}); IDENTIFY DEVICE and SMART go through the 12-byte form, which "
                              "carries 28-bit LBAs only, so reads go by SCSI READ",
                              sat_failure));
    notes.push_back(fmt::format("ATA PASS-THROUGH(16) refused ({}): reading with SCSI commands; IDENTIFY DEVICE "
                                "and SMART through ATA PASS-THROUGH(12)",
                                sat_failure));
    return with_notes(std::move(dev), notes);
  }
  dev->add_fact("transport choice", fmt::format("SCSI: {}", sat_failure));
  if (!dev->ata12_failure().empty()) dev->add_fact("ATA PASS-THROUGH(12)", dev->ata12_failure());
  notes.push_back(distrusted ? fmt::format("{}: reading with SCSI commands", sat_failure)
                             : fmt::format("not an ATA drive behind a SAT layer ({}): reading with SCSI commands",
                                           sat_failure));
  return with_notes(std::move(dev), notes);
}

/// `ata12`: with --transport scsi, identify through ATA PASS-THROUGH(12)
/// too (only when a drive that was opened so is opened again).
std::unique_ptr<Device> open_scsi_family(SysIo& io, const ResolvedNode& n, TransportChoice choice,
                                         const PassThroughOptions& options, bool ata12,
                                         std::vector<std::string>& notes) {
  if (choice == TransportChoice::kSat) {
    try {
      auto sat = SatDevice::open(io, n.sg_path, n.path, options, n.block_name);
      if (!sat->distrust().empty()) {
        notes.push_back(fmt::format("--transport sat: used as asked, though {}", sat->distrust()));
        sat->add_fact("transport choice", fmt::format("SAT (--transport sat), though {}", sat->distrust()));
      } else {
        sat->add_fact("transport choice", "SAT (--transport sat)");
      }
      return with_notes(std::move(sat), notes);
    } catch (const TransportError& e) {
      throw TransportError(fmt::format("--transport sat: {} (not an ATA drive behind a SAT layer? "
                                       "try --transport scsi)",
                                       e.what()));
    }
  }
  if (choice == TransportChoice::kScsi) {
    auto scsi = ScsiDevice::open(io, n.sg_path, n.path, options, n.block_name, ata12);
    scsi->add_fact("transport choice", "SCSI (--transport scsi)");
    return with_notes(std::move(scsi), notes);
  }
  std::string sat_failure;
  bool distrusted = false;
  bool pass_through16_unsupported = false;
  try {
    auto sat = SatDevice::open(io, n.sg_path, n.path, options, n.block_name);
    if (sat->distrust().empty()) {
      sat->add_fact("transport choice", "SAT: ATA PASS-THROUGH(16) answers IDENTIFY DEVICE, with ATA registers for CK_COND");
      return with_notes(std::move(sat), notes);
    }
    sat_failure = fmt::format("ATA PASS-THROUGH answers, but is not trusted: {}", sat->distrust());
    distrusted = true;
  } catch (const TransportPermissionError&) {
    throw;  // SCSI commands the kernel does allow would hide the real problem
  } catch (const AtaPassThrough16Unsupported& e) {
    sat_failure = e.what();
    pass_through16_unsupported = true;
  } catch (const TransportError& e) {
    sat_failure = e.what();
  }
  try {
    return open_scsi_fallback(io, n, options, sat_failure, distrusted, pass_through16_unsupported, notes);
  } catch (const TransportError& e) {
    throw TransportError(fmt::format("{} answers neither as an ATA drive ({}) nor as a SCSI disk ({})",
                                     n.path, sat_failure, e.what()));
  }
}

}  // namespace

std::optional<TransportChoice> parse_transport_choice(std::string_view w) {
  for (TransportChoice c : {TransportChoice::kAuto, TransportChoice::kSat, TransportChoice::kScsi,
                            TransportChoice::kNvme, TransportChoice::kBlock})
    if (w == transport_choice_word(c)) return c;
  return std::nullopt;
}

std::string_view transport_choice_word(TransportChoice c) {
  switch (c) {
    case TransportChoice::kAuto: return "auto";
    case TransportChoice::kSat: return "sat";
    case TransportChoice::kScsi: return "scsi";
    case TransportChoice::kNvme: return "nvme";
    case TransportChoice::kBlock: return "block";
  }
  return "auto";
}

namespace {

std::unique_ptr<Device> open_node(SysIo& io, const std::string& path, TransportChoice choice,
                                  const PassThroughOptions& options, const FileDeviceOptions& file_options,
                                  std::vector<std::string>& notes, bool ata12 = false) {
  const ResolvedNode n = resolve_node(io, path, options.paths);
  const bool pass_through = choice == TransportChoice::kSat || choice == TransportChoice::kScsi ||
                            choice == TransportChoice::kNvme;
  switch (n.kind) {
    case NodeKind::kScsiDisk:
    case NodeKind::kScsiGeneric:
      if (choice == TransportChoice::kNvme) throw cannot(n, choice, "use --transport sat or scsi");
      if (choice == TransportChoice::kBlock) {
        if (n.kind == NodeKind::kScsiDisk) return open_block(path, file_options);
        throw cannot(n, choice, n.block_name.empty() ? "the block layer needs a block device"
                                                     : fmt::format("use /dev/{}", n.block_name));
      }
      if (n.sg_path.empty()) {
        // Without the sg driver there is no node that honours short
        // timeouts (SG_IO on /dev/sdX raises them to 7 s).
        if (choice != TransportChoice::kAuto)
          throw cannot(n, choice, "no sg node was found for it in sysfs: load the sg driver (modprobe sg)");
        notes.push_back(fmt::format(
            "no sg node for {} (is the sg driver loaded? modprobe sg): reading through the block layer, "
            "without per-command timeouts",
            path));
        return open_block(path, file_options);
      }
      return open_scsi_family(io, n, choice, options, ata12, notes);

    case NodeKind::kNvmeNamespace:
    case NodeKind::kNvmeGeneric:
      if (choice == TransportChoice::kSat || choice == TransportChoice::kScsi)
        throw cannot(n, choice, "use --transport nvme");
      if (choice == TransportChoice::kBlock) {
        if (n.kind == NodeKind::kNvmeNamespace) return open_block(path, file_options);
        throw cannot(n, choice, "the block layer needs /dev/nvmeXnY");
      }
      return with_notes(NvmeDevice::open(io, n, options), notes);

    case NodeKind::kNvmeController:
      throw TransportError(fmt::format("{} is an NVMe controller: give one of its namespaces, such as {}n1",
                                       path, path));

    case NodeKind::kPartition:
      if (pass_through)
        throw cannot(n, choice, fmt::format("give the whole disk (/dev/{}) for pass-through", n.parent_name));
      if (choice == TransportChoice::kAuto)
        notes.push_back(fmt::format("{} is a partition: reading through the block layer (give the whole "
                                    "disk, /dev/{}, for pass-through with per-command timeouts)",
                                    path, n.parent_name));
      return open_block(path, file_options);

    case NodeKind::kRegularFile:
    case NodeKind::kOtherBlock:
    case NodeKind::kOther:
      if (pass_through) throw cannot(n, choice, "pass-through needs a SCSI disk, an sg node or an NVMe namespace");
      return open_block(path, file_options);
  }
  return open_block(path, file_options);
}

/// --reattach-wait: a pass-through drive that drops off is looked for under
/// every sg disk and NVMe namespace, and reopened with the transport it had.
std::unique_ptr<Device> reattaching(SysIo& io, std::unique_ptr<Device> dev, const PassThroughOptions& options,
                                    const FileDeviceOptions& file_options) {
  const std::string& t = dev->identity().transport;
  const auto choice = parse_transport_choice(t);
  if (!choice || (*choice != TransportChoice::kSat && *choice != TransportChoice::kScsi &&
                  *choice != TransportChoice::kNvme))
    return dev;
  // A disk identified through ATA PASS-THROUGH(12) is recognised by the
  // drive's own serial: it is looked for the same way.
  const auto* scsi = dynamic_cast<const ScsiDevice*>(dev.get());
  const bool ata12 = scsi != nullptr && scsi->uses_ata12();
  PassThroughOptions once = options;
  once.reattach.wait = Millis(0);
  const NodePaths paths = options.paths;
  auto candidates = [paths, nvme = *choice == TransportChoice::kNvme] {
    return nvme ? list_nvme_namespaces(paths) : list_sg_disks(paths);
  };
  auto open = [&io, once, file_options, choice = *choice, ata12](const std::string& path, bool with_settings) {
    PassThroughOptions o = once;
    if (!with_settings) {
      o.erc.reset();
      o.dsense = false;
    }
    std::vector<std::string> ignored;
    return open_node(io, path, choice, o, file_options, ignored, ata12);
  };
  return std::make_unique<ReattachingDevice>(std::move(dev), io, options.reattach, candidates, open);
}

}  // namespace

std::unique_ptr<Device> open_device_node(SysIo& io, const std::string& path, TransportChoice choice,
                                         const PassThroughOptions& options,
                                         const FileDeviceOptions& file_options,
                                         std::vector<std::string>& notes) {
  std::unique_ptr<Device> dev = open_node(io, path, choice, options, file_options, notes);
  if (options.reattach.wait.count() > 0) dev = reattaching(io, std::move(dev), options, file_options);
  return dev;
}

}  // namespace ptrescue
