// Red Hat Enterprise Linux ("rhel:N") and CentOS ("centos:N"): RHSA/RHBA/RHEA and
// CESA/CEBA/CEEA advisories. No OSV ecosystem is mapped yet (Red Hat publishes CSAF; osv.dev's
// "Red Hat:..." ecosystems name products, not releases).
#pragma once

#include "distro/rhel/rhel_like.hpp"

namespace fleetpatch::distro {

/// Support dates (rhel/lifecycle.cpp).
std::span<const LifecycleEntry> rhel_lifecycle();
std::span<const LifecycleEntry> centos_lifecycle();

class Rhel final : public RhelLike {
 public:
  Rhel() : RhelLike({"rhel", "", "RHSA", "RHBA", "RHEA", rhel_lifecycle()}) {}
};

class CentOs final : public RhelLike {
 public:
  CentOs() : RhelLike({"centos", "", "CESA", "CEBA", "CEEA", centos_lifecycle()}) {}
};

}  // namespace fleetpatch::distro
