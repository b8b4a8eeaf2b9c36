// Rocky Linux: a RHEL rebuild. Release keys "rocky:N", OSV ecosystem "Rocky Linux:N", advisories
// RLSA (security), RLBA (bug fix), RLEA (enhancement). RXSA advisories are for Special Interest
// Group builds (the "-sig-cloud" kernel, release suffix ".cloud") that a stock Rocky host does
// not run: their entries are dropped, or a stock kernel would be judged by a SIG kernel's
// version.
#pragma once

#include "distro/rhel/rhel_like.hpp"

namespace fleetpatch::distro {

/// Support dates (rocky/lifecycle.cpp).
std::span<const LifecycleEntry> rocky_lifecycle();

class Rocky final : public RhelLike {
 public:
  Rocky() : RhelLike({"rocky", "Rocky Linux", "RLSA", "RLBA", "RLEA", rocky_lifecycle()}) {}
  void refine_advisory(core::Advisory& advisory) const override;
};

}  // namespace fleetpatch::distro
