/* See dpkg_reference.h. Compiled as C with LIBDPKG_VOLATILE_API. */
#include "dpkg_reference.h"

#include <dpkg/dpkg-db.h>
#include <dpkg/dpkg.h>
#include <dpkg/error.h>
#include <dpkg/version.h>
#include <stdio.h>
#include <string.h>

void fp_dpkg_parse(const char* text, struct fp_dpkg_parsed* out) {
  struct dpkg_version v = DPKG_VERSION_INIT;
  struct dpkg_error err = DPKG_ERROR_INIT;
  memset(out, 0, sizeof(*out));
  if (parseversion(&v, text, &err) < 0) {
    out->status = err.type == DPKG_MSG_WARN ? FP_DPKG_WARNING : FP_DPKG_ERROR;
    snprintf(out->message, sizeof(out->message), "%s", err.str ? err.str : "?");
    dpkg_error_destroy(&err);
  } else {
    out->status = FP_DPKG_OK;
  }
  out->epoch = v.epoch;
  out->version = v.version;
  out->revision = v.revision;
}

int fp_dpkg_compare(const struct fp_dpkg_parsed* a, const struct fp_dpkg_parsed* b) {
  const struct dpkg_version va = DPKG_VERSION_OBJECT(a->epoch, a->version, a->revision);
  const struct dpkg_version vb = DPKG_VERSION_OBJECT(b->epoch, b->version, b->revision);
  return dpkg_version_compare(&va, &vb);
}

int fp_dpkg_compare_fragments(const char* a, const char* b) {
  const struct dpkg_version va = DPKG_VERSION_OBJECT(0, a, "");
  const struct dpkg_version vb = DPKG_VERSION_OBJECT(0, b, "");
  return dpkg_version_compare(&va, &vb);
}

void fp_dpkg_release(void) { nffreeall(); }
