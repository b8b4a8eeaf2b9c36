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

  /// Red Hat's per-CVE CSAF-VEX documents name SOURCE RPM components: "known affected"
  /// (Affected, Will not fix, Out of support scope, Fix deferred) and "known not affected" as
  /// "kernel.src", fixed ones as the SRPM's NVR ("python3-0:3.6.8-67.el8_10", CVE-2024-6923).
  /// Its advisory documents (RHSA) name binary RPMs; the index does not say which document an
  /// entry came from, so every CSAF entry is also read as naming a source. For an RHSA entry
  /// that is harmless: all binaries of one SRPM build share its version and are all listed, so
  /// the entry found through the source name repeats what the binary's own entry says. The
  /// matcher then judges kernel-core, python3-libs and every other binary of a source by the
  /// VEX statements on it, as the peer (Trivy) does. Only Red Hat's releases get CSAF entries
  /// (feed/csaf/product.hpp maps Red Hat CPEs to "rhel:N"), hence this class, not RhelLike.
  bool entry_names_source(std::string_view origin, core::FixState state) const override {
    (void)state;
    return origin == "csaf";
  }
  bool some_entries_name_source() const override { return true; }
};

class CentOs final : public RhelLike {
 public:
  CentOs() : RhelLike({"centos", "", "CESA", "CEBA", "CEEA", centos_lifecycle()}) {}
};

}  // namespace fleetpatch::distro
