// Amazon Linux: os-release ID "amzn", release keys by major VERSION_ID ("amzn:2", "amzn:2023";
// Amazon Linux 1's "2018.03" is "amzn:2018"). RPM, binary package names, and Red Hat's kernel
// package naming (RhelLike), which is what the runtime rules need: the kernel that runs
// (Amazon Linux 2 boots a 5.10 kernel from the kernel-5.10 extras topic while kernel-tools and
// the kernel source RPM stay at 4.14) is judged, not the others. ALAS advisories ("ALAS-...";
// the ALAS2 and ALAS2023 prefixes keep the kind the feed gives) are security advisories. No
// feed format reads ALAS yet and no support dates are recorded.
#pragma once

#include "distro/rhel/rhel_like.hpp"

namespace fleetpatch::distro {

class AmazonLinux final : public RhelLike {
 public:
  AmazonLinux() : RhelLike({"amzn", "", "ALAS", "", "", {}}) {}
};

}  // namespace fleetpatch::distro
