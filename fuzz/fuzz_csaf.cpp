// Fuzzes the CSAF document reader (Red Hat/SUSE advisories and VEX documents are untrusted feed
// bytes) and the product naming helpers it relies on.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "feed/csaf/csaf.hpp"
#include "feed/csaf/product.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  fleetpatch::core::Diagnostics diags;
  fleetpatch::feed::FeedBatch batch;
  fleetpatch::feed::csaf::DocumentParser parser;
  parser.parse(input, "fuzz.json", batch, diags);
  (void)fleetpatch::feed::csaf::looks_like_csaf(input);
  // The same bytes as a CPE, a purl and a product id.
  (void)fleetpatch::feed::csaf::release_for_cpe(input);
  (void)fleetpatch::feed::csaf::parse_rpm_purl(input);
  (void)fleetpatch::feed::csaf::parse_rpm_product_id(input);
  (void)fleetpatch::feed::csaf::normalize_date(input);
  return 0;
}
