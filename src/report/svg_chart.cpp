#include "report/svg_chart.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "report/render_util.hpp"

namespace fleetpatch::report::svg {
namespace {

using detail::utf8_sequence;

/// A coordinate: one decimal is plenty at screen and print resolution and keeps output small.
std::string coord(double value) {
  char text[32];
  const double rounded = std::round(value * 10) / 10;
  const auto result = std::to_chars(text, text + sizeof text, rounded == 0 ? 0.0 : rounded);
  return std::string(text, result.ptr);
}

double value_at(const Series& series, std::size_t index) {
  return index < series.values.size() ? std::max(0.0, series.values[index]) : 0.0;
}

/// The value axis: a tick step of 1, 2, 2.5 or 5 x 10^k (at least 1, as charts count things)
/// and a maximum that is a whole number of steps, about four of them.
struct Axis {
  double max = 4;
  double step = 1;
  int steps = 4;  // max / step; the ticks are step x 0..steps (counted, not accumulated)
};

Axis value_axis(double largest) {
  Axis axis;
  axis.step = std::max(1.0, nice_ceiling(largest / 4));
  axis.steps = std::max(1, static_cast<int>(std::ceil(largest / axis.step - 1e-9)));
  axis.max = axis.step * axis.steps;
  return axis;
}

double largest_stack(const BarChart& chart) {
  double largest = 0;
  for (std::size_t c = 0; c < chart.categories.size(); ++c) {
    double total = 0;
    for (const Series& s : chart.series) total += value_at(s, c);
    largest = std::max(largest, total);
  }
  return largest;
}

void open_svg(std::string& out, std::string_view id, int width, int height, std::string_view title,
              std::string_view description) {
  const std::string w = std::to_string(width);
  const std::string h = std::to_string(height);
  out += "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + w + " " + h +
         "\" width=\"" + w + "\" height=\"" + h + "\" role=\"img\" aria-labelledby=\"" +
         escape(id) + "-title " + escape(id) + "-desc\">";
  out += "<title id=\"" + escape(id) + "-title\">" + escape(title) + "</title>";
  out += "<desc id=\"" + escape(id) + "-desc\">" + escape(description) + "</desc>";
}

/// Legend swatches in one row along the top edge, starting at x.
void legend(std::string& out, const std::vector<Series>& series, double x, bool lines) {
  out += "<g class=\"legend\">";
  for (const Series& s : series) {
    if (lines) {
      out += "<line class=\"" + escape(s.css_class) + "\" x1=\"" + coord(x) + "\" y1=\"10\" x2=\"" +
             coord(x + 14) + "\" y2=\"10\"/>";
    } else {
      out += "<rect class=\"" + escape(s.css_class) + "\" x=\"" + coord(x) +
             "\" y=\"4\" width=\"12\" height=\"12\"/>";
    }
    out += "<text x=\"" + coord(x + 18) + "\" y=\"14\">" + escape(s.name) + "</text>";
    // Legend entries are short words; 7 px per character is a safe width for the 11 px font.
    x += 30 + 7.0 * static_cast<double>(s.name.size());
  }
  out += "</g>";
}

/// Horizontal grid lines with their values on the left of the plot area.
void value_grid(std::string& out, const Axis& axis, double left, double right, double top,
                double bottom, std::string_view axis_label) {
  out += "<g class=\"grid\">";
  for (int tick = 0; tick <= axis.steps; ++tick) {
    const double v = axis.step * tick;
    const double y = bottom - (bottom - top) * v / axis.max;
    out += "<line x1=\"" + coord(left) + "\" y1=\"" + coord(y) + "\" x2=\"" + coord(right) +
           "\" y2=\"" + coord(y) + "\"/>";
    out += "<text class=\"tick\" x=\"" + coord(left - 6) + "\" y=\"" + coord(y + 4) +
           "\" text-anchor=\"end\">" + format_number(v) + "</text>";
  }
  if (!axis_label.empty()) {
    out += "<text class=\"axis-label\" transform=\"rotate(-90)\" x=\"" +
           coord(-(top + bottom) / 2) + "\" y=\"12\" text-anchor=\"middle\">" + escape(axis_label) +
           "</text>";
  }
  out += "</g>";
}

/// A category label under the plot; "\n" splits it into lines.
void category_label(std::string& out, std::string_view label, double x, double y) {
  out += "<text class=\"category\" x=\"" + coord(x) + "\" y=\"" + coord(y) +
         "\" text-anchor=\"middle\">";
  std::size_t start = 0;
  bool first = true;
  while (start <= label.size()) {
    const std::size_t end = std::min(label.find('\n', start), label.size());
    out += "<tspan x=\"" + coord(x) + "\"" + (first ? "" : " dy=\"13\"") + ">" +
           escape(label.substr(start, end - start)) + "</tspan>";
    first = false;
    start = end + 1;
  }
  out += "</text>";
}

std::string bar_title(const Series& s, std::string_view category, double value) {
  return escape(s.name) + ", " + escape(category) + ": " + format_number(value);
}

void bar_rect(std::string& out, const Series& s, std::string_view category, double value, double x,
              double y, double width, double height) {
  out += "<rect class=\"" + escape(s.css_class) + "\" x=\"" + coord(x) + "\" y=\"" + coord(y) +
         "\" width=\"" + coord(width) + "\" height=\"" + coord(height) + "\" data-series=\"" +
         escape(s.name) + "\" data-category=\"" + escape(category) + "\" data-value=\"" +
         format_number(value) + "\"><title>" + bar_title(s, category, value) + "</title></rect>";
}

}  // namespace

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&#39;";
          break;
        default:
          // Control characters other than tab and newline are not allowed in XML (SVG).
          if (c < 0x20 && c != '\t' && c != '\n') {
            out += "\xEF\xBF\xBD";
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    const std::size_t n = utf8_sequence(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string format_number(double value) {
  if (!std::isfinite(value)) return "0";
  char text[32];
  const double rounded = std::round(value * 10) / 10;
  const auto result =
      std::to_chars(text, text + sizeof text, rounded == 0 ? 0.0 : rounded,
                    std::chars_format::fixed, rounded == std::round(rounded) ? 0 : 1);
  return std::string(text, result.ptr);
}

double nice_ceiling(double value) {
  if (!(value > 0) || !std::isfinite(value)) return 1;
  const double magnitude = std::pow(10.0, std::floor(std::log10(value)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * magnitude >= value * (1 - 1e-12)) return m * magnitude;
  }
  return 10 * magnitude;
}

std::string stacked_bar_chart(const BarChart& chart) {
  std::string out;
  const double left = 56, right = chart.width - 12.0, top = 30, bottom = chart.height - 40.0;
  open_svg(out, chart.id, chart.width, chart.height, chart.title, chart.description);
  legend(out, chart.series, left, false);
  const Axis axis = value_axis(largest_stack(chart));
  value_grid(out, axis, left, right, top, bottom, chart.axis_label);

  const std::size_t n = std::max<std::size_t>(1, chart.categories.size());
  const double slot = (right - left) / static_cast<double>(n);
  const double bar_width = slot * 0.62;
  out += "<g class=\"bars\">";
  for (std::size_t c = 0; c < chart.categories.size(); ++c) {
    const double x = left + slot * static_cast<double>(c) + (slot - bar_width) / 2;
    double base = bottom;
    double total = 0;
    for (const Series& s : chart.series) {
      const double v = value_at(s, c);
      if (v <= 0) continue;
      const double h = (bottom - top) * v / axis.max;
      bar_rect(out, s, chart.categories[c], v, x, base - h, bar_width, h);
      base -= h;
      total += v;
    }
    if (total > 0) {
      out += "<text class=\"total\" x=\"" + coord(x + bar_width / 2) + "\" y=\"" + coord(base - 4) +
             "\" text-anchor=\"middle\">" + format_number(total) + "</text>";
    }
    category_label(out, chart.categories[c], x + bar_width / 2, bottom + 16);
  }
  out += "</g>";
  out += "<line class=\"axis\" x1=\"" + coord(left) + "\" y1=\"" + coord(bottom) + "\" x2=\"" +
         coord(right) + "\" y2=\"" + coord(bottom) + "\"/>";
  if (chart.marker_after && *chart.marker_after + 1 < chart.categories.size()) {
    const double x = left + slot * static_cast<double>(*chart.marker_after + 1);
    out += "<g class=\"marker\"><line x1=\"" + coord(x) + "\" y1=\"" + coord(top - 4) + "\" x2=\"" +
           coord(x) + "\" y2=\"" + coord(bottom + 4) + "\"/><text x=\"" + coord(x + 4) + "\" y=\"" +
           coord(top + 8) + "\">" + escape(chart.marker_label) + "</text></g>";
  }
  out += "</svg>";
  return out;
}

std::string stacked_hbar_chart(const BarChart& chart) {
  std::string out;
  const double row = 26;
  const double left = 110, right = chart.width - 48.0, top = 30;
  const double bottom = top + row * static_cast<double>(chart.categories.size()) + 4;
  const int height = static_cast<int>(bottom) + 22;
  open_svg(out, chart.id, chart.width, height, chart.title, chart.description);
  legend(out, chart.series, 8, false);
  const Axis axis = value_axis(largest_stack(chart));
  out += "<g class=\"grid\">";
  for (int tick = 0; tick <= axis.steps; ++tick) {
    const double v = axis.step * tick;
    const double x = left + (right - left) * v / axis.max;
    out += "<line x1=\"" + coord(x) + "\" y1=\"" + coord(top) + "\" x2=\"" + coord(x) + "\" y2=\"" +
           coord(bottom) + "\"/><text class=\"tick\" x=\"" + coord(x) + "\" y=\"" +
           coord(bottom + 14) + "\" text-anchor=\"middle\">" + format_number(v) + "</text>";
  }
  out += "</g><g class=\"bars\">";
  for (std::size_t c = 0; c < chart.categories.size(); ++c) {
    const double y = top + row * static_cast<double>(c) + 4;
    out += "<text class=\"category\" x=\"" + coord(left - 8) + "\" y=\"" + coord(y + 13) +
           "\" text-anchor=\"end\">" + escape(chart.categories[c]) + "</text>";
    double x = left;
    double total = 0;
    for (const Series& s : chart.series) {
      const double v = value_at(s, c);
      if (v <= 0) continue;
      const double w = (right - left) * v / axis.max;
      bar_rect(out, s, chart.categories[c], v, x, y, w, row - 8);
      x += w;
      total += v;
    }
    out += "<text class=\"total\" x=\"" + coord(x + 4) + "\" y=\"" + coord(y + 13) + "\">" +
           format_number(total) + "</text>";
  }
  out += "</g></svg>";
  return out;
}

std::string line_chart(const LineChart& chart) {
  std::string out;
  const double left = 56, right = chart.width - 16.0, top = 30, bottom = chart.height - 28.0;
  open_svg(out, chart.id, chart.width, chart.height, chart.title, chart.description);
  legend(out, chart.series, left, true);
  double largest = 0;
  for (const Series& s : chart.series) {
    for (double v : s.values) largest = std::max(largest, v);
  }
  const Axis axis = value_axis(largest);
  value_grid(out, axis, left, right, top, bottom, chart.axis_label);

  const std::size_t n = chart.x_labels.size();
  const auto x_at = [&](std::size_t i) {
    return n <= 1 ? (left + right) / 2
                  : left + (right - left) * static_cast<double>(i) / static_cast<double>(n - 1);
  };
  const auto y_at = [&](double v) { return bottom - (bottom - top) * std::max(0.0, v) / axis.max; };
  // At most eight labels, evenly spread, always the first and the last.
  const std::size_t labels = std::min<std::size_t>(n, 8);
  for (std::size_t k = 0; k < labels; ++k) {
    const std::size_t i =
        labels == 1 ? 0
                    : static_cast<std::size_t>(std::llround(static_cast<double>(k * (n - 1)) /
                                                            static_cast<double>(labels - 1)));
    const char* anchor = labels == 1       ? "middle"
                         : k == 0          ? "start"
                         : k + 1 == labels ? "end"
                                           : "middle";
    out += "<text class=\"category\" x=\"" + coord(x_at(i)) + "\" y=\"" + coord(bottom + 16) +
           "\" text-anchor=\"" + anchor + "\">" + escape(chart.x_labels[i]) + "</text>";
  }
  for (const Series& s : chart.series) {
    out += "<g class=\"series " + escape(s.css_class) + "\"><polyline fill=\"none\" points=\"";
    for (std::size_t i = 0; i < n && i < s.values.size(); ++i) {
      if (i > 0) out += ' ';
      out += coord(x_at(i)) + "," + coord(y_at(s.values[i]));
    }
    out += "\"/>";
    for (std::size_t i = 0; i < n && i < s.values.size(); ++i) {
      out += "<circle cx=\"" + coord(x_at(i)) + "\" cy=\"" + coord(y_at(s.values[i])) +
             "\" r=\"3\" data-series=\"" + escape(s.name) + "\" data-category=\"" +
             escape(chart.x_labels[i]) + "\" data-value=\"" + format_number(s.values[i]) +
             "\"><title>" + bar_title(s, chart.x_labels[i], s.values[i]) + "</title></circle>";
    }
    out += "</g>";
  }
  out += "<line class=\"axis\" x1=\"" + coord(left) + "\" y1=\"" + coord(bottom) + "\" x2=\"" +
         coord(right) + "\" y2=\"" + coord(bottom) + "\"/></svg>";
  return out;
}

}  // namespace fleetpatch::report::svg
