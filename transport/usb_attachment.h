// SPDX-License-Identifier: GPL-3.0-or-later
// The USB device a SCSI disk sits on (a USB dock or adapter: usb-storage
// Bulk-Only or uas), found by walking up the sysfs chain of its sg node to
// the first directory with busnum and devnum: the usbfs node a USB device
// reset goes to (USBDEVFS_RESET on /dev/bus/usb/BBB/DDD) and the interface
// and driver an unbind/bind acts on.
//   /sys/class/scsi_generic/sg1/device ->
//   /sys/devices/pci0000:00/0000:00:04.0/usb2/2-1/2-1:1.0/host2/target2:0:0/2:0:0:0
//   usb device 2-1 (busnum 2, devnum 2), interface 2-1:1.0, driver uas
#pragma once

#include <optional>
#include <string>

#include "transport/node_lookup.h"

namespace ptrescue {

struct UsbAttachment {
  std::string device_dir;  ///< sysfs directory of the USB device ("…/usb2/2-1").
  std::string usbfs_node;  ///< /dev/bus/usb/002/002
  std::string interface;   ///< "2-1:1.0"
  std::string driver;      ///< "uas", "usb-storage" ("" when unbound)
};

/// nullopt when the sg node `sg_name` ("sg1") is not on a USB device.
std::optional<UsbAttachment> usb_attachment_of_sg(const std::string& sg_name, const NodePaths& paths = {});

}  // namespace ptrescue
