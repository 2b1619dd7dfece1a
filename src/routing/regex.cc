#include "routing/regex.h"

#include <re2/re2.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace pier::routing {

Regex::Regex(std::string pattern, std::unique_ptr<re2::RE2> re)
    : pattern_(std::move(pattern)), re_(std::move(re)) {}

Regex::~Regex() = default;

Result<std::shared_ptr<const Regex>> Regex::compile(std::string_view pattern) {
  re2::RE2::Options options;  // UTF-8, Perl classes, leftmost-first: Go's regexp semantics
  options.set_log_errors(false);
  auto re = std::make_unique<re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) {
    return fail(Error::config("invalid regular expression: " + re->error()));
  }
  return std::shared_ptr<const Regex>(new Regex(std::string(pattern), std::move(re)));
}

bool Regex::search(std::string_view text) const {
  return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re_);
}

std::optional<Regex::Span> Regex::find(std::string_view text) const {
  re2::StringPiece input(text.data(), text.size());
  re2::StringPiece match;
  if (!re_->Match(input, 0, input.size(), re2::RE2::UNANCHORED, &match, 1)) {
    return std::nullopt;
  }
  auto begin = static_cast<std::size_t>(match.data() - text.data());
  return Span{begin, begin + match.size()};
}

namespace {

bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Appends `tmpl` with its group references expanded (Go's Regexp.Expand rules).
void expand(std::string& out, std::string_view tmpl, const std::vector<re2::StringPiece>& groups,
            const std::map<std::string, int>& names) {
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '$' || i + 1 >= tmpl.size()) {
      out += tmpl[i];
      continue;
    }
    if (tmpl[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::string_view name;
    std::size_t next = i + 1;
    if (tmpl[next] == '{') {
      std::size_t close = tmpl.find('}', next);
      if (close == std::string_view::npos) {
        out += tmpl[i];  // not a reference: copied as is
        continue;
      }
      name = tmpl.substr(next + 1, close - next - 1);
      next = close + 1;
    } else {
      std::size_t end = next;
      while (end < tmpl.size() && isNameChar(tmpl[end])) {
        ++end;
      }
      name = tmpl.substr(next, end - next);
      next = end;
    }
    if (name.empty()) {
      out += tmpl[i];
      continue;
    }
    int index = -1;
    bool digits =
        std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits) {
      index = name.size() < 6 ? std::stoi(std::string(name)) : -1;
    } else if (auto it = names.find(std::string(name)); it != names.end()) {
      index = it->second;
    }
    if (index >= 0 && static_cast<std::size_t>(index) < groups.size() &&
        groups[static_cast<std::size_t>(index)].data() != nullptr) {
      out.append(groups[static_cast<std::size_t>(index)].data(),
                 groups[static_cast<std::size_t>(index)].size());
    }
    i = next - 1;
  }
}

}  // namespace

std::string Regex::replaceAll(std::string_view text, std::string_view tmpl) const {
  re2::StringPiece input(text.data(), text.size());
  std::vector<re2::StringPiece> groups(static_cast<std::size_t>(re_->NumberOfCapturingGroups()) +
                                       1);
  const std::map<std::string, int>& names = re_->NamedCapturingGroups();
  std::string out;
  std::size_t pos = 0;
  std::size_t copied = 0;
  std::size_t last_match_end = std::string::npos;
  while (pos <= text.size()) {
    if (!re_->Match(input, pos, input.size(), re2::RE2::UNANCHORED, groups.data(),
                    static_cast<int>(groups.size()))) {
      break;
    }
    auto begin = static_cast<std::size_t>(groups[0].data() - text.data());
    std::size_t end = begin + groups[0].size();
    // Go skips an empty match right after the previous match.
    if (!(begin == end && begin == last_match_end)) {
      out.append(text.substr(copied, begin - copied));
      expand(out, tmpl, groups, names);
      copied = end;
      last_match_end = end;
    }
    if (end > pos) {
      pos = end;
    } else {
      ++pos;  // empty match: move on one byte
    }
  }
  out.append(text.substr(std::min(copied, text.size())));
  return out;
}

}  // namespace pier::routing
