// Prometheus text exposition format 0.0.4: families with HELP and TYPE, samples with escaped
// label values. Labels are written in the order given (callers sort them as client_golang does,
// by name, with `le` last on histogram buckets).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pier::observability {

using Label = std::pair<std::string_view, std::string_view>;

class PrometheusText {
 public:
  void family(std::string_view name, std::string_view help, std::string_view type);
  void sample(std::string_view name, const std::vector<Label>& labels, std::uint64_t value);
  void sample(std::string_view name, const std::vector<Label>& labels, std::int64_t value);
  void sample(std::string_view name, const std::vector<Label>& labels, double value);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

  // Shortest text that reads back as `v`; +Inf, -Inf and NaN as Prometheus spells them.
  static std::string formatDouble(double v);
  static void appendEscapedLabelValue(std::string& out, std::string_view value);

 private:
  void head(std::string_view name, const std::vector<Label>& labels);

  std::string out_;
};

}  // namespace pier::observability
