#!/usr/bin/env python3
"""Converts Trivy's end-to-end fixtures (tests/data/trivy-e2e/) into fleetpatch golden cases.

Run once by hand; its output under tests/cases/ is committed, so `make check` needs neither
Python nor PyYAML. Re-running it must reproduce the committed files byte for byte:

    python3 tests/tools/trivy_to_cases.py          # writes tests/cases/<distro>/<case>/
    git diff --exit-code tests/cases               # nothing changed

No network. Needs PyYAML (python3-yaml) for Trivy's fixture DB.

For each case (the CASES table below) it writes:
  inventory.json                 fleetpatch.host/1 report built from Trivy's package golden
                                 (pkg/fanal/test/integration/testdata/goldens/packages/), with
                                 the OS Trivy detected (the Metadata.OS of its result golden)
  advisories/<id>.json           OSV records converted from Trivy's fixture DB
                                 (integration/testdata/fixtures/db/<family>.yaml)
  expected.tsv                   Trivy's result (integration/testdata/<image>.json.golden):
                                 package, vulnerability id, installed version, fixed version
  expected-ignore-unfixed.tsv    the same from <image>-ignore-unfixed.json.golden, when it exists
  peer-scan                      when Trivy scanned (its result's CreatedAt: the golden test
                                 scans --as-of it) and whether it called the OS end-of-life
                                 (Metadata.OS.EOSL), which the golden test compares with
                                 fleetpatch's end-of-life finding

How the fixture DB becomes OSV (one record per vulnerability key and family, one `affected`
entry per (release bucket, package bucket)):
  - the bucket "alpine 3.10" becomes the ecosystem "Alpine:v3.10" and so on (ECOSYSTEMS);
    buckets with no OSV ecosystem ("alpine edge") are left out;
  - a FixedVersion becomes the range [introduced 0, fixed X); no FixedVersion (Trivy's
    "affected"/"postponed"/end-of-life statuses) becomes [introduced 0) with no fixed event, which
    is how OSV publishers write "unfixed";
  - record ids: a CVE key takes the distribution's per-CVE record prefix where its OSV publisher
    has one (DEBIAN-CVE-..., UBUNTU-CVE-..., ALPINE-CVE-...), else stays the CVE id (AlmaLinux,
    Rocky: no per-CVE records exist upstream); other keys (SUSE advisory ids) are kept;
  - Trivy's numeric Severity becomes database_specific.severity; its Status/State and
    VendorIDs are kept under database_specific.trivy for the reader of the file (ignored by
    fleetpatch);
  - `modified` is the date of the Trivy snapshot (the fixture DB has no dates); no `published`.

Red Hat (redhat.yaml; ubi-7) has no OSV ecosystem fleetpatch reads, so its fixture becomes the
CSAF documents Red Hat publishes instead, one per vulnerability key, read by the CSAF reader:
  - the platforms: each entry's `Affected` list holds indices into Trivy's "Red Hat CPE" bucket
    (cpe.yaml); an index becomes a product_name branch with that CPE
    ("cpe:/o:redhat:enterprise_linux:7::server" -> rhel:7). Indices the fixture maps to no CPE
    (596, 597, ...: other products' repositories in Trivy's real DB) are left out, and so are
    entries left with no platform;
  - an RHSA key becomes an advisory document (category csaf_security_advisory) whose package
    buckets are fixed binary RPMs at FixedVersion (purl without arch: the fixture names none),
    with one `vulnerabilities` item per listed CVE, each with its Red Hat impact;
  - a CVE key becomes a per-CVE VEX document (category csaf_vex) whose package buckets are
    known_affected components with the remediation Red Hat writes for Trivy's Status: 5
    will_not_fix -> no_fix_planned "Will not fix", 7 end_of_life -> no_fix_planned "Out of
    support scope", 6 fix_deferred -> none_available "Fix deferred", 2 affected / 4
    under_investigation -> none_available "Affected" (those are the words Trivy's Red Hat VEX
    importer turns into these statuses);
  - Severity 1..4 -> Low, Moderate, Important, Critical (Red Hat's words; the aggregate severity
    is the highest); dates are the snapshot date.
"""

import json
import os
import shutil
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRIVY = os.path.join(ROOT, "tests", "data", "trivy-e2e")
CASES_DIR = os.path.join(ROOT, "tests", "cases")
SNAPSHOT_DATE = "2026-08-21T00:00:00Z"  # aquasecurity/trivy @ dc3c56eed58a

# Trivy bucket -> OSV ecosystem.
ECOSYSTEMS = {
    "alpine 3.9": "Alpine:v3.9",
    "alpine 3.10": "Alpine:v3.10",
    "debian 9": "Debian:9",
    "debian 10": "Debian:10",
    "ubuntu 18.04": "Ubuntu:18.04:LTS",
    "ubuntu 22.04": "Ubuntu:22.04:LTS",
    "openSUSE Leap 15.1": "openSUSE:Leap 15.1",
    "openSUSE Tumbleweed": "openSUSE:Tumbleweed",
    "SUSE Linux Enterprise 15-SP3": "SUSE:Linux Enterprise Server 15 SP3",
    "SUSE Linux Enterprise Micro 5.3": "SUSE:Linux Enterprise Micro 5.3",
    "alma 8": "AlmaLinux:8",
    "rocky 8": "Rocky Linux:8",
}

# Per-CVE record prefix of each fixture file's OSV publisher ("" = the CVE id itself).
CVE_PREFIX = {
    "alpine.yaml": "ALPINE-",
    "debian.yaml": "DEBIAN-",
    "ubuntu.yaml": "UBUNTU-",
    "opensuse.yaml": "",
    "suse.yaml": "",
    "almalinux.yaml": "",
    "rockylinux.yaml": "",
}

# Trivy OS family (result Metadata.OS.Family) -> os-release ID.
OS_IDS = {
    "alpine": "alpine",
    "debian": "debian",
    "ubuntu": "ubuntu",
    "opensuse-leap": "opensuse-leap",
    "opensuse-tumbleweed": "opensuse-tumbleweed",
    "alma": "almalinux",
    "rocky": "rocky",
    "redhat": "rhel",
}

SEVERITIES = {0: "unknown", 1: "low", 2: "medium", 3: "high", 4: "critical"}

# (distro folder, case, package golden or None, result golden, package format, fixture files)
# A case without a package golden has its inventory reduced to the packages of Trivy's result
# (the image's full package list is not among the fixtures): see tests/cases/README.md.
CASES = [
    ("alpine", "alpine-310", "alpine-310", "alpine-310", "apk", ["alpine.yaml"]),
    ("debian", "debian-buster", "debian-buster", "debian-buster", "dpkg", ["debian.yaml"]),
    ("debian", "distroless-base", "gcr.io-distroless-base-latest", "distroless-base", "dpkg",
     ["debian.yaml"]),
    ("ubuntu", "ubuntu-1804", "ubuntu-18.04", "ubuntu-1804", "dpkg", ["ubuntu.yaml"]),
    ("opensuse", "opensuse-leap-151", "opensuse-leap-151", "opensuse-leap-151", "rpm",
     ["opensuse.yaml", "suse.yaml"]),
    ("opensuse", "opensuse-tumbleweed", "opensuse-tumbleweed", "opensuse-tumbleweed", "rpm",
     ["opensuse.yaml", "suse.yaml"]),
    ("almalinux", "almalinux-8", None, "almalinux-8", "rpm", ["almalinux.yaml"]),
    ("rocky", "rockylinux-8", None, "rockylinux-8", "rpm", ["rockylinux.yaml"]),
    ("rhel", "ubi-7", "ubi-7", "ubi-7", "rpm", ["redhat.yaml"]),
]

RED_HAT_SEVERITIES = {1: "Low", 2: "Moderate", 3: "Important", 4: "Critical"}
# Trivy status (pkg/types Status) -> (CSAF remediation category, Red Hat's details).
RED_HAT_REMEDIATIONS = {
    2: ("none_available", "Affected"),
    4: ("none_available", "Affected"),
    5: ("no_fix_planned", "Will not fix"),
    6: ("none_available", "Fix deferred"),
    7: ("no_fix_planned", "Out of support scope"),
}


def join_version(fmt, epoch, version, release):
    """The version as the package manager prints it: [epoch:]version[-release]."""
    if not version:
        return ""
    text = version
    if release:
        text += "-" + release
    if epoch:
        text = "%d:%s" % (int(epoch), text)
    return text


def convert_inventory(fmt, golden):
    packages = []
    for p in golden:
        version = join_version(fmt, p.get("Epoch"), p["Version"], p.get("Release"))
        src_version = join_version(fmt, p.get("SrcEpoch"), p.get("SrcVersion"),
                                   p.get("SrcRelease"))
        packages.append({
            "name": p["Name"],
            "version": version,
            "arch": p.get("Arch", ""),
            # Trivy leaves SrcName out when the package manager records no source; the
            # collectors then use the binary's own name, and so do we.
            "source": {"name": p.get("SrcName") or p["Name"],
                       "version": src_version or version},
            "module": p.get("Modularitylabel") or None,
        })
    return packages


def reduced_inventory(result):
    """Packages named in Trivy's result, for images whose package golden is not available."""
    seen = {}
    for r in result.get("Results", []):
        for v in r.get("Vulnerabilities") or []:
            seen[v["PkgName"]] = {
                "name": v["PkgName"],
                "version": v["InstalledVersion"],
                "arch": "x86_64" if v.get("PkgID", "").endswith(".x86_64") else "",
                "source": {"name": v["PkgName"], "version": v["InstalledVersion"]},
                "module": None,
            }
    return [seen[k] for k in sorted(seen)]


def host_report(case, os_info, fmt, packages, collector):
    return {
        "schema": "fleetpatch.host/1",
        "host": {"id": case, "hostname": case, "tags": ["trivy-e2e"]},
        "os": {"id": OS_IDS[os_info["Family"]], "version_id": os_info["Name"],
               "name": "%s %s" % (os_info["Family"], os_info["Name"])},
        "package_format": fmt,
        "packages": packages,
        "collected_at": SNAPSHOT_DATE,
        "collector": collector,
    }


def convert_db(fixture_files):
    """OSV records by id, from the listed fixture DB files."""
    records = {}
    for name in fixture_files:
        with open(os.path.join(TRIVY, "integration/testdata/fixtures/db", name)) as f:
            buckets = yaml.safe_load(f)
        for release in buckets:
            ecosystem = ECOSYSTEMS.get(release["bucket"])
            if ecosystem is None:
                continue
            for package in release["pairs"]:
                for pair in package["pairs"]:
                    key = pair["key"]
                    value = pair.get("value") or {}
                    vid = CVE_PREFIX[name] + key if key.startswith("CVE-") else key
                    record = records.setdefault(vid, {
                        "schema_version": "1.6.0",
                        "id": vid,
                        "modified": SNAPSHOT_DATE,
                        "aliases": [key] if vid != key else [],
                        "affected": [],
                    })
                    events = [{"introduced": "0"}]
                    if value.get("FixedVersion"):
                        events.append({"fixed": value["FixedVersion"]})
                    affected = {
                        "package": {"ecosystem": ecosystem, "name": package["bucket"]},
                        "ranges": [{"type": "ECOSYSTEM", "events": events}],
                    }
                    specific = {}
                    if "Severity" in value:
                        specific["severity"] = SEVERITIES[int(value["Severity"])]
                    trivy = {k: value[k] for k in ("Status", "State", "VendorIDs", "VendorIds")
                             if k in value}
                    if trivy:
                        specific["trivy"] = trivy
                    if specific:
                        affected["database_specific"] = specific
                    record["affected"].append(affected)
    for record in records.values():
        if not record["aliases"]:
            del record["aliases"]
    return records


def red_hat_cpes():
    """Trivy's CPE index -> CPE, from the "Red Hat CPE" bucket of cpe.yaml."""
    with open(os.path.join(TRIVY, "integration/testdata/fixtures/db/cpe.yaml")) as f:
        buckets = yaml.safe_load(f)
    cpes = {}
    for bucket in buckets:
        for sub in bucket["pairs"]:
            if sub["bucket"] == "cpe":
                for pair in sub["pairs"]:
                    cpes[int(pair["key"])] = pair["value"]
    return cpes


def convert_red_hat(fixture_file):
    """CSAF documents by id from Trivy's Red Hat fixture (see the module docstring)."""
    with open(os.path.join(TRIVY, "integration/testdata/fixtures/db", fixture_file)) as f:
        buckets = yaml.safe_load(f)
    cpes = red_hat_cpes()
    by_key = {}  # key -> [(package, value)]
    for top in buckets:
        for package in top["pairs"]:
            for pair in package["pairs"]:
                by_key.setdefault(pair["key"], []).append((package["bucket"], pair["value"]))
    documents = {}
    for key, packages in by_key.items():
        platforms = {}   # product id -> CPE
        statuses = {}    # product id -> (package, version, remediation or None)
        cve_severity = {}  # CVE id -> highest Severity
        for package, value in packages:
            for entry in value["Entries"]:
                for cve in entry.get("Cves") or []:
                    cve_id = cve.get("ID") or key
                    cve_severity[cve_id] = max(cve_severity.get(cve_id, 0),
                                               int(cve.get("Severity", 0)))
                for index in entry["Affected"]:
                    if index not in cpes:
                        continue
                    platform = "trivy-cpe-%d" % index
                    platforms[platform] = cpes[index]
                    fixed = entry.get("FixedVersion", "")
                    remediation = None if fixed else RED_HAT_REMEDIATIONS[int(entry["Status"])]
                    statuses["%s:%s" % (platform, package)] = (package, fixed, remediation)
        if not statuses:
            continue
        advisory = not key.startswith("CVE-")
        components = {}
        for package, fixed, _ in statuses.values():
            purl = "pkg:rpm/redhat/" + package
            if fixed:
                epoch, _, evr = fixed.rpartition(":")
                purl += "@" + evr + ("?epoch=" + epoch if epoch else "")
            components[package] = purl
        severity = max(cve_severity.values()) if cve_severity else 0
        document = {
            "category": "csaf_security_advisory" if advisory else "csaf_vex",
            "csaf_version": "2.0",
            "publisher": {"category": "vendor", "name": "Red Hat Product Security",
                          "namespace": "https://www.redhat.com"},
            "title": "converted from Trivy's fixture DB (tests/tools/trivy_to_cases.py)",
            "tracking": {"id": key, "initial_release_date": SNAPSHOT_DATE,
                         "current_release_date": SNAPSHOT_DATE, "status": "final",
                         "version": "1"},
        }
        if severity:
            document["aggregate_severity"] = {"text": RED_HAT_SEVERITIES[severity]}
        product_tree = {
            "branches": [{"category": "vendor", "name": "Red Hat", "branches": [
                {"category": "product_name", "name": platform,
                 "product": {"name": platform, "product_id": platform,
                             "product_identification_helper": {"cpe": cpe}}}
                for platform, cpe in sorted(platforms.items())] + [
                {"category": "product_version", "name": package,
                 "product": {"name": package, "product_id": package,
                             "product_identification_helper": {"purl": purl}}}
                for package, purl in sorted(components.items())]}],
            "relationships": [
                {"category": "default_component_of",
                 "full_product_name": {"name": "%s as a component of %s" % (
                     product.split(":", 1)[1], product.split(":", 1)[0]),
                     "product_id": product},
                 "product_reference": product.split(":", 1)[1],
                 "relates_to_product_reference": product.split(":", 1)[0]}
                for product in sorted(statuses)],
        }
        vulnerabilities = []
        for cve_id in sorted(cve_severity):
            products = sorted(statuses)
            vulnerability = {"cve": cve_id}
            fixed = [p for p in products if statuses[p][1]]
            affected = [p for p in products if not statuses[p][1]]
            status = {}
            if fixed:
                status["fixed"] = fixed
            if affected:
                status["known_affected"] = affected
            vulnerability["product_status"] = status
            remediations = {}
            for p in affected:
                remediations.setdefault(statuses[p][2], []).append(p)
            if remediations:
                vulnerability["remediations"] = [
                    {"category": category, "details": details, "product_ids": ids}
                    for (category, details), ids in sorted(remediations.items())]
            if cve_severity[cve_id]:
                vulnerability["threats"] = [{"category": "impact",
                                             "details": RED_HAT_SEVERITIES[cve_severity[cve_id]],
                                             "product_ids": products}]
            vulnerabilities.append(vulnerability)
        documents[key] = {"document": document, "product_tree": product_tree,
                          "vulnerabilities": vulnerabilities}
    return documents


def expected_rows(result):
    rows = set()
    for r in result.get("Results", []):
        for v in r.get("Vulnerabilities") or []:
            rows.add((v["PkgName"], v["VulnerabilityID"], v["InstalledVersion"],
                      v.get("FixedVersion", "")))
    return sorted(rows)


def write_tsv(path, source, rows):
    with open(path, "w") as f:
        f.write("# Trivy's result, from tests/data/trivy-e2e/%s\n" % source)
        f.write("# package\tvulnerability id\tinstalled version\tfixed version (empty: none)\n")
        for row in rows:
            f.write("\t".join(row) + "\n")


def dump(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=2, sort_keys=False)
        f.write("\n")


def main():
    for distro, case, packages_golden, result_golden, fmt, fixtures in CASES:
        out = os.path.join(CASES_DIR, distro, case)
        os.makedirs(out, exist_ok=True)
        result_path = "integration/testdata/%s.json.golden" % result_golden
        with open(os.path.join(TRIVY, result_path)) as f:
            result = json.load(f)
        os_info = result["Metadata"]["OS"]
        if packages_golden is None:
            packages = reduced_inventory(result)
            collector = "tests/tools/trivy_to_cases.py (reduced: the packages of Trivy's result)"
        else:
            collector = "tests/tools/trivy_to_cases.py (Trivy's package golden)"
            path = os.path.join(TRIVY, "pkg/fanal/test/integration/testdata/goldens/packages",
                                packages_golden + ".json.golden")
            with open(path) as f:
                packages = convert_inventory(fmt, json.load(f))
        dump(os.path.join(out, "inventory.json"),
             host_report(case, os_info, fmt, packages, collector))

        advisories = os.path.join(out, "advisories")
        shutil.rmtree(advisories, ignore_errors=True)
        os.makedirs(advisories)
        records = {}
        for name in fixtures:
            if name == "redhat.yaml":
                records.update(convert_red_hat(name))
            else:
                records.update(convert_db([name]))
        for vid, record in sorted(records.items()):
            dump(os.path.join(advisories, vid.replace(":", "-") + ".json"), record)

        write_tsv(os.path.join(out, "expected.tsv"), result_path, expected_rows(result))
        with open(os.path.join(out, "peer-scan"), "w") as f:
            f.write("# Trivy's scan of %s: when (CreatedAt) and whether it called the OS "
                    "end-of-life (Metadata.OS.EOSL)\n" % result_path)
            f.write("as-of\t%s\n" % result["CreatedAt"])
            f.write("end-of-life\t%s\n" % ("true" if os_info.get("EOSL") else "false"))
        unfixed_path = "integration/testdata/%s-ignore-unfixed.json.golden" % result_golden
        if os.path.exists(os.path.join(TRIVY, unfixed_path)):
            with open(os.path.join(TRIVY, unfixed_path)) as f:
                write_tsv(os.path.join(out, "expected-ignore-unfixed.tsv"), unfixed_path,
                          expected_rows(json.load(f)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
