#include "agent/state_dir.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "agent/test_support.hpp"

namespace fleetpatch::agent {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

unsigned mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

TEST(StateDir, CreatesPrivateDirectoriesWithParents) {
  TempDir tmp;
  const std::string path = tmp.path() + "/data/agent";
  const auto state = StateDir::open(path + "/");
  ASSERT_TRUE(state.ok()) << state.error().message;
  EXPECT_EQ(state->path(), path);
  EXPECT_EQ(mode_of(path), 0700u);
  EXPECT_EQ(mode_of(path + "/spool"), 0700u);
  // Opening again is fine; a file in the way is not.
  EXPECT_TRUE(StateDir::open(path).ok());
  std::ofstream(tmp.path() + "/file") << "x";
  EXPECT_FALSE(StateDir::open(tmp.path() + "/file").ok());
}

TEST(StateDir, TokenRoundTripsWithMode0600) {
  TempDir tmp;
  const auto state = StateDir::open(tmp.path());
  ASSERT_TRUE(state.ok());
  const auto none = state->read_token();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(state->write_token({"https://s", "h1", "fpt_abc_def"}).ok());
  EXPECT_EQ(mode_of(tmp.path() + "/token.json"), 0600u);
  const auto read = state->read_token();
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->server, "https://s");
  EXPECT_EQ((*read)->host_id, "h1");
  EXPECT_EQ((*read)->token, "fpt_abc_def");
  // No temporary file is left behind.
  for (const auto& entry : fs::directory_iterator(tmp.path())) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos);
  }
}

TEST(StateDir, CorruptFilesAreErrorsNotCrashes) {
  TempDir tmp;
  const auto state = StateDir::open(tmp.path());
  ASSERT_TRUE(state.ok());
  for (const char* content : {"", "{", "[]", R"({"token": ""})"}) {
    std::ofstream(tmp.path() + "/token.json", std::ios::trunc) << content;
    EXPECT_FALSE(state->read_token().ok()) << content;
  }
  std::ofstream(tmp.path() + "/last-accepted.json", std::ios::trunc) << "garbage";
  EXPECT_FALSE(state->read_last_accepted().ok());
}

TEST(StateDir, LastAcceptedRoundTrips) {
  TempDir tmp;
  const auto state = StateDir::open(tmp.path());
  ASSERT_TRUE(state.ok());
  EXPECT_FALSE(state->read_last_accepted()->has_value());
  const LastAccepted last{"https://s", "h1", "abcd", true, 42, "2026-11-26T03:00:00Z"};
  ASSERT_TRUE(state->write_last_accepted(last).ok());
  const auto read = state->read_last_accepted();
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->server, last.server);
  EXPECT_EQ((*read)->host_id, last.host_id);
  EXPECT_EQ((*read)->report_hash, last.report_hash);
  EXPECT_EQ((*read)->delta, last.delta);
  EXPECT_EQ((*read)->report_seq, last.report_seq);
  EXPECT_EQ((*read)->accepted_at, last.accepted_at);
}

TEST(StateDir, SpoolWriteReplaceClear) {
  TempDir tmp;
  const auto state = StateDir::open(tmp.path());
  ASSERT_TRUE(state.ok());
  EXPECT_FALSE(state->read_spool()->has_value());
  ASSERT_TRUE(state->write_spool("first").ok());
  ASSERT_TRUE(state->write_spool("second").ok());
  EXPECT_EQ(mode_of(tmp.path() + "/spool/report.json"), 0600u);
  EXPECT_EQ(state->read_spool()->value(), "second");
  ASSERT_TRUE(state->clear_spool().ok());
  EXPECT_FALSE(state->read_spool()->has_value());
  EXPECT_TRUE(state->clear_spool().ok()) << "clearing an empty spool is not an error";
}

TEST(StateDir, AtomicWriteFailsCleanlyWhereItCannotWrite) {
  TempDir tmp;
  const auto written = write_file_atomic(tmp.path() + "/missing-dir/file", "x");
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.error().message.find("missing-dir"), std::string::npos);
}

TEST(SpoolPlan, Table) {
  const struct {
    const char* name;
    bool fresh_ok, spool_present, spool_usable;
    ReportSource want_source;
    bool want_write, want_discard;
  } cases[] = {
      {"fresh, empty spool", true, false, false, ReportSource::kFresh, true, false},
      {"fresh supersedes spooled", true, true, true, ReportSource::kFresh, true, false},
      {"fresh replaces unusable spool", true, true, false, ReportSource::kFresh, true, false},
      {"collection failed, spooled sent", false, true, true, ReportSource::kSpooled, false, false},
      {"collection failed, spool unusable", false, true, false, ReportSource::kNone, false, true},
      {"collection failed, nothing", false, false, false, ReportSource::kNone, false, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const SpoolPlan plan = plan_spool(c.fresh_ok, c.spool_present, c.spool_usable);
    EXPECT_EQ(plan.source, c.want_source);
    EXPECT_EQ(plan.write_spool, c.want_write);
    EXPECT_EQ(plan.discard_spool, c.want_discard);
    EXPECT_FALSE(plan.why.empty());
  }
}

TEST(SpoolPlan, OnlyAnAcknowledgementEmptiesTheSpool) {
  const struct {
    Step final_step;
    bool keep;
  } cases[] = {{Step::kAccepted, false},
               {Step::kRetry, true},
               {Step::kFail, true},
               {Step::kEnroll, true},
               {Step::kSendFull, true}};
  for (const auto& c : cases) {
    EXPECT_EQ(keep_spool_after(c.final_step), c.keep) << to_string(c.final_step);
  }
}

}  // namespace
}  // namespace fleetpatch::agent
