// AlmaLinux: a RHEL rebuild. Release keys "almalinux:N", OSV ecosystem "AlmaLinux:N",
// advisories ALSA (security), ALBA (bug fix), ALEA (enhancement). AlmaLinux 8 OSV records carry
// no module field, so module streams come from the summary (see RhelLike).
#pragma once

#include "distro/rhel/rhel_like.hpp"

namespace fleetpatch::distro {

/// Support dates (almalinux/lifecycle.cpp).
std::span<const LifecycleEntry> almalinux_lifecycle();

class AlmaLinux final : public RhelLike {
 public:
  AlmaLinux()
      : RhelLike({"almalinux", "AlmaLinux", "ALSA", "ALBA", "ALEA", almalinux_lifecycle()}) {}
};

}  // namespace fleetpatch::distro
