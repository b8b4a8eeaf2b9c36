/* The real dpkg version code (libdpkg), wrapped for version_differential_test.
 * libdpkg's headers are C and need LIBDPKG_VOLATILE_API; this shim keeps both out of C++. */
#ifndef FLEETPATCH_VERSION_DPKG_REFERENCE_H
#define FLEETPATCH_VERSION_DPKG_REFERENCE_H

#ifdef __cplusplus
extern "C" {
#endif

enum fp_dpkg_status {
  FP_DPKG_OK = 0,
  FP_DPKG_WARNING = 1, /* parseversion() < 0 with DPKG_MSG_WARN: dpkg goes on */
  FP_DPKG_ERROR = 2,   /* parseversion() < 0 with DPKG_MSG_ERROR: dpkg refuses */
};

/* What parseversion() made of a string. The strings live until fp_dpkg_release(). */
struct fp_dpkg_parsed {
  enum fp_dpkg_status status;
  unsigned int epoch;
  const char* version;
  const char* revision;
  char message[128];
};

void fp_dpkg_parse(const char* text, struct fp_dpkg_parsed* out);
/* dpkg_version_compare() on two parsed versions. */
int fp_dpkg_compare(const struct fp_dpkg_parsed* a, const struct fp_dpkg_parsed* b);
/* dpkg's verrevcmp() on two raw fragments (through dpkg_version_compare, epoch 0, no revision). */
int fp_dpkg_compare_fragments(const char* a, const char* b);
/* Frees everything parseversion() allocated (libdpkg's nfmalloc arena). */
void fp_dpkg_release(void);

#ifdef __cplusplus
}
#endif

#endif
