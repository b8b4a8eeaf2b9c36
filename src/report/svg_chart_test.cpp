#include "report/svg_chart.hpp"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>
#include <vector>

namespace fleetpatch::report::svg {
namespace {

/// Every element opened is closed in order (self-closing ones aside): the SVG is well-formed
/// enough for an HTML page to embed it without swallowing what follows.
bool tags_balance(const std::string& markup) {
  std::vector<std::string> open;
  static const std::regex kTag(R"(<(/?)([a-zA-Z]+)[^>]*?(/?)>)");
  for (auto it = std::sregex_iterator(markup.begin(), markup.end(), kTag);
       it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    if (m[3] == "/") continue;
    if (m[1] == "/") {
      if (open.empty() || open.back() != m[2]) return false;
      open.pop_back();
    } else {
      open.push_back(m[2]);
    }
  }
  return open.empty();
}

/// data-value of each drawn element keyed by "series|category".
std::map<std::string, std::string> drawn_values(const std::string& markup) {
  std::map<std::string, std::string> values;
  static const std::regex kData(
      R"re(data-series="([^"]*)" data-category="([^"]*)" data-value="([^"]*)")re");
  for (auto it = std::sregex_iterator(markup.begin(), markup.end(), kData);
       it != std::sregex_iterator(); ++it) {
    values[(*it)[1].str() + "|" + (*it)[2].str()] = (*it)[3];
  }
  return values;
}

TEST(SvgEscape, EscapesMarkupAndRepairsBytes) {
  const struct {
    std::string in;
    std::string want;
  } cases[] = {
      {"plain", "plain"},
      {"a<b>&\"c'", "a&lt;b&gt;&amp;&quot;c&#39;"},
      {"</svg><script>", "&lt;/svg&gt;&lt;script&gt;"},
      {"caf\xC3\xA9", "caf\xC3\xA9"},
      {"bad\xFF", "bad\xEF\xBF\xBD"},
      {"nul\x01", "nul\xEF\xBF\xBD"},
      {"tab\there", "tab\there"},
  };
  for (const auto& c : cases) EXPECT_EQ(escape(c.in), c.want) << c.in;
}

TEST(SvgNumbers, FormatAndNiceCeiling) {
  const struct {
    double in;
    std::string want;
  } numbers[] = {{0, "0"}, {3, "3"}, {2.25, "2.3"}, {97.0, "97"}, {-0.01, "0"}, {1e6, "1000000"}};
  for (const auto& c : numbers) EXPECT_EQ(format_number(c.in), c.want) << c.in;

  const struct {
    double in;
    double want;
  } ceilings[] = {{0, 1},  {-5, 1},  {1, 1},   {1.1, 2},   {2.1, 2.5}, {3, 5},
                  {7, 10}, {10, 10}, {11, 20}, {0.3, 0.5}, {240, 250}, {2600, 5000}};
  for (const auto& c : ceilings) EXPECT_DOUBLE_EQ(nice_ceiling(c.in), c.want) << c.in;
}

BarChart sample_bars() {
  BarChart chart;
  chart.id = "age";
  chart.title = "Findings by age";
  chart.description = "Open findings by days to deadline";
  chart.categories = {"> 30 days\noverdue", "1-30 days\noverdue", "due in\n7 days", "later"};
  chart.series = {{"critical", "sev-critical", {1, 0, 2, 0}},
                  {"high", "sev-high", {3, 5}},
                  {"low <&>", "sev-low", {0, 0, 0, 9}}};
  chart.marker_after = 1;
  chart.marker_label = "deadline";
  chart.axis_label = "findings";
  return chart;
}

TEST(SvgBars, EveryNonZeroValueIsDrawnOnce) {
  const BarChart chart = sample_bars();
  for (const bool horizontal : {false, true}) {
    SCOPED_TRACE(horizontal ? "horizontal" : "vertical");
    const std::string svg = horizontal ? stacked_hbar_chart(chart) : stacked_bar_chart(chart);
    EXPECT_TRUE(tags_balance(svg)) << svg;
    EXPECT_EQ(svg.rfind("<svg ", 0), 0u);
    EXPECT_NE(svg.find("aria-labelledby=\"age-title age-desc\""), std::string::npos);
    EXPECT_NE(svg.find("<title id=\"age-title\">Findings by age</title>"), std::string::npos);
    EXPECT_EQ(svg.find("<script"), std::string::npos);
    EXPECT_EQ(svg.find("href"), std::string::npos);  // nothing external

    std::map<std::string, std::string> want;
    for (const Series& s : chart.series) {
      for (std::size_t c = 0; c < s.values.size(); ++c) {
        if (s.values[c] > 0) {
          want[escape(s.name) + "|" + escape(chart.categories[c])] = format_number(s.values[c]);
        }
      }
    }
    EXPECT_EQ(drawn_values(svg), want);
    EXPECT_NE(svg.find("low &lt;&amp;&gt;"), std::string::npos);  // legend text escaped
  }
}

TEST(SvgBars, DeadlineMarkerOnlyBetweenExistingCategories) {
  const struct {
    std::optional<std::size_t> after;
    bool drawn;
  } cases[] = {{std::nullopt, false}, {0, true}, {2, true}, {3, false}, {99, false}};
  for (const auto& c : cases) {
    BarChart chart = sample_bars();
    chart.marker_after = c.after;
    const std::string svg = stacked_bar_chart(chart);
    EXPECT_EQ(svg.find("class=\"marker\"") != std::string::npos, c.drawn)
        << (c.after ? std::to_string(*c.after) : "none");
  }
}

TEST(SvgBars, EmptyAndZeroChartsStillRender) {
  BarChart empty;
  empty.id = "e";
  BarChart zeros = sample_bars();
  for (Series& s : zeros.series) s.values.assign(4, 0);
  for (const BarChart* chart : {&empty, &zeros}) {
    for (const std::string& svg : {stacked_bar_chart(*chart), stacked_hbar_chart(*chart)}) {
      EXPECT_TRUE(tags_balance(svg));
      EXPECT_EQ(svg.find("nan"), std::string::npos);
      EXPECT_EQ(svg.find("inf"), std::string::npos);
      EXPECT_TRUE(drawn_values(svg).empty());
    }
  }
}

TEST(SvgBars, TallestStackFitsUnderTheAxisMaximum) {
  // The grid's top tick is the axis maximum; the tallest stack (1 + 3 = 4 is not the tallest:
  // 9 is) must not exceed it, and the top tick must be a nice number >= 9.
  const std::string svg = stacked_bar_chart(sample_bars());
  static const std::regex kTick(R"re(<text class="tick"[^>]*>([0-9.]+)</text>)re");
  double top_tick = 0;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), kTick); it != std::sregex_iterator();
       ++it) {
    top_tick = std::max(top_tick, std::stod((*it)[1]));
  }
  EXPECT_GE(top_tick, 9);
  EXPECT_LE(top_tick, 12);
}

TEST(SvgLines, OnePointPerValueAndBoundedLabels) {
  const struct {
    std::size_t points;
    std::size_t want_labels;
  } cases[] = {{1, 1}, {2, 2}, {8, 8}, {9, 8}, {60, 8}};
  for (const auto& c : cases) {
    LineChart chart;
    chart.id = "burn";
    chart.title = "Burn-down";
    Series open{"open", "line-open", {}};
    for (std::size_t i = 0; i < c.points; ++i) {
      chart.x_labels.push_back("2026-11-" + std::to_string(i + 1));
      open.values.push_back(static_cast<double>(100 - i));
    }
    chart.series = {open};
    const std::string svg = line_chart(chart);
    EXPECT_TRUE(tags_balance(svg));
    EXPECT_EQ(drawn_values(svg).size(), c.points);
    std::size_t labels = 0;
    for (std::size_t at = svg.find("class=\"category\""); at != std::string::npos;
         at = svg.find("class=\"category\"", at + 1)) {
      ++labels;
    }
    EXPECT_EQ(labels, c.want_labels) << c.points;
    EXPECT_NE(svg.find(">" + chart.x_labels.back() + "<"), std::string::npos);
    EXPECT_NE(svg.find(">" + chart.x_labels.front() + "<"), std::string::npos);
  }
}

}  // namespace
}  // namespace fleetpatch::report::svg
