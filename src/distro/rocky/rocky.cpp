#include "distro/rocky/rocky.hpp"

namespace fleetpatch::distro {

void Rocky::refine_advisory(core::Advisory& advisory) const {
  RhelLike::refine_advisory(advisory);
  if (advisory.id.rfind("RXSA-", 0) == 0) advisory.affected.clear();
}

}  // namespace fleetpatch::distro
