#include <gtest/gtest.h>

#include <cctype>
#include <ostream>
#include <string>
#include <vector>

#include "hoststate/parsers.hpp"

namespace fleetpatch::hoststate {
namespace {

struct Case {
  std::string name;
  std::string input;
  core::OsInfo expected;
  std::vector<std::size_t> diagnostic_lines;
};

// Names the case in failure messages instead of dumping its bytes.
// NOLINTNEXTLINE(readability-identifier-naming): gtest finds PrintTo by this exact name
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class OsReleaseCase : public testing::TestWithParam<Case> {};

TEST_P(OsReleaseCase, Parses) {
  const Case& c = GetParam();
  core::Diagnostics diagnostics;
  const core::OsInfo got = parse_os_release(c.input, "os-release", diagnostics);
  EXPECT_EQ(got.id, c.expected.id);
  EXPECT_EQ(got.version_id, c.expected.version_id);
  EXPECT_EQ(got.name, c.expected.name);
  EXPECT_EQ(got.id_like, c.expected.id_like);
  EXPECT_EQ(got.version_codename, c.expected.version_codename);
  std::vector<std::size_t> lines;
  for (const auto& d : diagnostics.items()) {
    lines.push_back(d.line);
    EXPECT_EQ(d.source, "os-release");
  }
  EXPECT_EQ(lines, c.diagnostic_lines);
}

// Real files as the distributions ship them (abridged to the keys that matter plus a few
// neighbours), then corner cases of the format.
std::vector<Case> cases() {
  return {
      {"debian 12",
       "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
       "VERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n"
       "HOME_URL=\"https://www.debian.org/\"\n",
       {"debian", "12", "Debian GNU/Linux 12 (bookworm)", {}, "bookworm"},
       {}},
      {"debian 8: code name only in VERSION",
       "PRETTY_NAME=\"Debian GNU/Linux 8 (jessie)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"8\"\n"
       "VERSION=\"8 (jessie)\"\nID=debian\n",
       {"debian", "8", "Debian GNU/Linux 8 (jessie)", {}, "jessie"},
       {}},
      {"ubuntu 22.04",
       "PRETTY_NAME=\"Ubuntu 22.04.3 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\n"
       "VERSION=\"22.04.3 LTS (Jammy Jellyfish)\"\nVERSION_CODENAME=jammy\nID=ubuntu\n"
       "ID_LIKE=debian\nUBUNTU_CODENAME=jammy\n",
       {"ubuntu", "22.04", "Ubuntu 22.04.3 LTS", {"debian"}, "jammy"},
       {}},
      {"ubuntu 16.04: UBUNTU_CODENAME only",
       "NAME=\"Ubuntu\"\nVERSION=\"16.04.7 LTS (Xenial Xerus)\"\nID=ubuntu\nID_LIKE=debian\n"
       "PRETTY_NAME=\"Ubuntu 16.04.7 LTS\"\nVERSION_ID=\"16.04\"\nUBUNTU_CODENAME=xenial\n",
       {"ubuntu", "16.04", "Ubuntu 16.04.7 LTS", {"debian"}, "xenial"},
       {}},
      {"almalinux 9",
       "NAME=\"AlmaLinux\"\nVERSION=\"9.0 (Emerald Puma)\"\nID=\"almalinux\"\n"
       "ID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.0\"\nPLATFORM_ID=\"platform:el9\"\n"
       "PRETTY_NAME=\"AlmaLinux 9.0 (Emerald Puma)\"\nANSI_COLOR=\"0;34\"\n",
       {"almalinux", "9.0", "AlmaLinux 9.0 (Emerald Puma)", {"rhel", "centos", "fedora"}, ""},
       {}},
      {"centos 7, with a blank line inside",
       "NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\n"
       "VERSION_ID=\"7\"\nPRETTY_NAME=\"CentOS Linux 7 (Core)\"\n\n"
       "CENTOS_MANTISBT_PROJECT=\"CentOS-7\"\n",
       {"centos", "7", "CentOS Linux 7 (Core)", {"rhel", "fedora"}, ""},
       {}},
      {"alpine 3.19",
       "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.0\nPRETTY_NAME=\"Alpine Linux v3.19\"\n"
       "HOME_URL=\"https://alpinelinux.org/\"\n",
       {"alpine", "3.19.0", "Alpine Linux v3.19", {}, ""},
       {}},
      {"opensuse leap 15.3",
       "NAME=\"openSUSE Leap\"\nVERSION=\"15.3\"\nID=\"opensuse-leap\"\n"
       "ID_LIKE=\"suse opensuse\"\nVERSION_ID=\"15.3\"\nPRETTY_NAME=\"openSUSE Leap 15.3\"\n",
       {"opensuse-leap", "15.3", "openSUSE Leap 15.3", {"suse", "opensuse"}, ""},
       {}},
      {"no PRETTY_NAME: NAME and VERSION",
       "NAME=Foo\nVERSION=\"1 (x)\"\nID=foo\n",
       {"foo", "", "Foo 1 (x)", {}, "x"},
       {}},
      {"no PRETTY_NAME, no VERSION: NAME alone",
       "NAME='Bar OS'\nID=bar\n",
       {"bar", "", "Bar OS", {}, ""},
       {}},
      {"comments, blank lines, indentation, CRLF, spaces around",
       "# comment\n\n  ID=debian  \r\n\t# another\nVERSION_ID=\"12\"\r\n",
       {"debian", "12", "", {}, ""},
       {}},
      {"escapes in double quotes follow the shell",
       "PRETTY_NAME=\"a \\\"b\\\" \\\\ \\$ \\` \\n\"\n",
       {"", "", "a \"b\" \\ $ ` \\n", {}, ""},
       {}},
      {"single quotes are literal; unquoted backslash escapes the next character",
       "PRETTY_NAME='a \\\" b'\nID=my\\ os\n",
       {"my os", "", "a \\\" b", {}, ""},
       {}},
      {"adjacent quoted parts concatenate",
       "PRETTY_NAME=\"Foo\"' 'Bar\n",
       {"", "", "Foo Bar", {}, ""},
       {}},
      {"the last assignment wins; empty values",
       "ID=first\nID=second\nVERSION_ID=\n",
       {"second", "", "", {}, ""},
       {}},
      {"ID_LIKE with extra whitespace",
       "ID_LIKE=\"  rhel   fedora \"\n",
       {"", "", "", {"rhel", "fedora"}, ""},
       {}},
      {"malformed lines are reported and the rest is read",
       "ID=debian\nthis line has no equals sign\n1BAD=x\nBAD-KEY=y\n=z\nVERSION_ID=\"12\n"
       "VERSION_CODENAME='bookworm\nVERSION_ID=12\n",
       {"debian", "12", "", {}, ""},
       {2, 3, 4, 5, 6, 7}},
      {"empty input", "", {}, {}},
  };
}

INSTANTIATE_TEST_SUITE_P(Table, OsReleaseCase, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<Case>& info) {
                           std::string name;
                           for (char c : info.param.name) {
                             name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace fleetpatch::hoststate
