#include "feed/epss/epss.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace fleetpatch::feed::epss {
namespace {

constexpr std::string_view kSample =
    "#model_version:v2023.03.01,score_date:2023-03-06T00:00:00+0000\n"
    "cve,epss,percentile\n"
    "CVE-1999-0001,0.01009,0.82744\n"
    "CVE-2021-44228,0.97565,0.99996\n"
    "CVE-2023-12345,0.00043,0.05\n";

std::string gzip(std::string_view text) {
  z_stream s{};
  EXPECT_EQ(deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&s, text.size()) + 64, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  s.avail_in = static_cast<uInt>(text.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

TEST(Epss, ParsesFirstCsv) {
  core::Diagnostics diags;
  const auto data = parse_csv(kSample, "epss.csv", diags);
  ASSERT_TRUE(data.ok()) << data.error().message;
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(data->model_version, "v2023.03.01");
  EXPECT_EQ(data->score_date, "2023-03-06T00:00:00+0000");
  ASSERT_EQ(data->rows.size(), 3u);
  EXPECT_EQ(data->rows[1].cve, "CVE-2021-44228");
  EXPECT_DOUBLE_EQ(data->rows[1].epss, 0.97565);
  EXPECT_DOUBLE_EQ(data->rows[1].percentile, 0.99996);
}

TEST(Epss, ColumnsByHeaderAndNoComment) {
  core::Diagnostics diags;
  const auto data = parse_csv("percentile,cve,epss\r\n0.5,CVE-2020-0001,0.25\r\n", "x", diags);
  ASSERT_TRUE(data.ok()) << data.error().message;
  ASSERT_EQ(data->rows.size(), 1u);
  EXPECT_EQ(data->rows[0].cve, "CVE-2020-0001");
  EXPECT_DOUBLE_EQ(data->rows[0].epss, 0.25);
  EXPECT_DOUBLE_EQ(data->rows[0].percentile, 0.5);
  EXPECT_TRUE(data->model_version.empty());
}

TEST(Epss, BadRowsAreDiagnosticsWithLines) {
  struct Case {
    std::string row;
    std::string expected;
  };
  const Case cases[] = {
      {"CVE-2020-0001,1.5,0.1", "x.csv:3: epss must be a number in [0, 1]"},
      {"CVE-2020-0001,0.5,-0.1", "x.csv:3: percentile must be"},
      {"CVE-2020-0001,0.5", "x.csv:3: expected 3 columns, found 2"},
      {"GHSA-xxxx,0.5,0.1", "x.csv:3: not a CVE id"},
      {"CVE-2020-0001,nan,0.1", "epss must be"},
  };
  for (const auto& c : cases) {
    core::Diagnostics diags;
    const std::string text =
        "#model_version:v1\ncve,epss,percentile\n" + c.row + "\nCVE-2020-0002,0.1,0.2\n";
    const auto data = parse_csv(text, "x.csv", diags);
    ASSERT_TRUE(data.ok());
    EXPECT_EQ(data->rows.size(), 1u) << c.row;
    ASSERT_EQ(diags.size(), 1u) << c.row;
    EXPECT_NE(diags.items()[0].to_string().find(c.expected), std::string::npos)
        << diags.items()[0].to_string();
  }
}

TEST(Epss, NotEpssIsAnError) {
  core::Diagnostics diags;
  EXPECT_FALSE(parse_csv("id,score\nCVE-2020-0001,1\n", "x", diags).ok());
  EXPECT_FALSE(parse_csv("#model_version:v1\n", "x", diags).ok());
  EXPECT_FALSE(parse_csv("", "x", diags).ok());
  EXPECT_TRUE(looks_like_epss(kSample));
  EXPECT_TRUE(looks_like_epss("cve,epss,percentile\n"));
  EXPECT_FALSE(looks_like_epss("{\"catalogVersion\": 1}"));
}

TEST(Epss, GzipAndPlainFilesReadTheSame) {
  const auto dir =
      std::filesystem::temp_directory_path() /
      ("fleetpatch-epss-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
       "-" + std::to_string(reinterpret_cast<std::uintptr_t>(&kSample)));
  std::filesystem::create_directories(dir);
  const std::string plain = (dir / "epss.csv").string();
  const std::string gz = (dir / "epss.csv.gz").string();
  const std::string other = (dir / "kev.json").string();
  std::ofstream(plain, std::ios::binary) << kSample;
  std::ofstream(gz, std::ios::binary) << gzip(kSample) + gzip("CVE-2024-0001,0.5,0.5\n");
  std::ofstream(other, std::ios::binary) << "{\"catalogVersion\": \"1\"}";
  core::Diagnostics diags;
  const auto a = read_file(plain, diags);
  const auto b = read_file(gz, diags);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->rows.size(), 3u);
  EXPECT_EQ(b->rows.size(), 4u);  // two gzip members
  EXPECT_EQ(b->rows[3].cve, "CVE-2024-0001");
  EXPECT_TRUE(is_epss_file(plain));
  EXPECT_TRUE(is_epss_file(gz));
  EXPECT_FALSE(is_epss_file(other));
  EXPECT_FALSE(is_epss_file((dir / "missing").string()));
  EXPECT_FALSE(maybe_gunzip(gzip(kSample).substr(0, 20), "t").ok());  // truncated
  std::filesystem::remove_all(dir);
}

TEST(Epss, WriteCsvRoundTrips) {
  core::Diagnostics diags;
  const auto data = parse_csv(kSample, "x", diags).value();
  const std::string stored = write_csv(data);
  const auto again = parse_csv(stored, "stored", diags);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(again->model_version, data.model_version);
  EXPECT_EQ(again->score_date, data.score_date);
  ASSERT_EQ(again->rows.size(), data.rows.size());
  for (std::size_t i = 0; i < data.rows.size(); ++i) {
    EXPECT_EQ(again->rows[i].cve, data.rows[i].cve);  // already sorted by CVE
    EXPECT_NEAR(again->rows[i].epss, data.rows[i].epss, 1e-5);
  }
}

}  // namespace
}  // namespace fleetpatch::feed::epss
