// Inline SVG charts for the self-contained HTML report: stacked bars (vertical and horizontal) and
// a line chart. Output is plain SVG markup, no script and no external reference, so it prints and
// renders the same in any browser. Colours are left to CSS classes (`css_class` of each series),
// so the page's stylesheet decides them for screen and for print. Every drawn bar or point carries
// data-series / data-category / data-value attributes and a <title> tooltip, which makes the
// charts both readable by hovering and checkable by tests.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleetpatch::report::svg {

/// Escapes `&`, `<`, `>`, `"` and `'` for HTML/SVG text and attribute values. Bytes that are not
/// valid UTF-8 become U+FFFD, so arbitrary inventory strings cannot break the document.
std::string escape(std::string_view text);

/// A number as the charts print it: integers without decimals, others with at most one.
std::string format_number(double value);

/// The smallest "nice" axis maximum (1, 2, 2.5 or 5 times a power of ten) >= value; 1 for <= 0.
double nice_ceiling(double value);

/// One series: a value per category, drawn with a CSS class (legend swatch included).
struct Series {
  std::string name;            // legend text
  std::string css_class;       // e.g. "sev-critical"; the stylesheet gives its fill/stroke
  std::vector<double> values;  // one per category; missing trailing values count as 0
};

/// Bars, one per category, each a stack of the series (first series at the base).
struct BarChart {
  std::string id;  // element id prefix, unique in the page (for aria-labelledby)
  std::string title;
  std::string description;  // one sentence for screen readers and print
  std::vector<std::string> categories;
  std::vector<Series> series;
  /// A dashed marker line drawn between category `marker_after` and the next one (the
  /// deadline in the age chart), labelled `marker_label`.
  std::optional<std::size_t> marker_after;
  std::string marker_label;
  std::string axis_label;  // what the value axis counts ("findings")
  int width = 720;
  int height = 280;
};

/// Vertical stacked bars: categories along the x axis.
std::string stacked_bar_chart(const BarChart& chart);

/// Horizontal stacked bars: one row per category, labels on the left. `height` is ignored: it
/// follows the number of rows.
std::string stacked_hbar_chart(const BarChart& chart);

/// Lines over shared x labels (dates in the burn-down chart).
struct LineChart {
  std::string id;
  std::string title;
  std::string description;
  std::vector<std::string> x_labels;
  std::vector<Series> series;
  std::string axis_label;
  int width = 720;
  int height = 260;
};

/// One polyline per series with a dot per point; at most about eight x labels are printed.
std::string line_chart(const LineChart& chart);

}  // namespace fleetpatch::report::svg
