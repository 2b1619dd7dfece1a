#include "middleware/path_util.h"

#include <vector>

#include "base/strings.h"

namespace pier::middleware {

std::string ensureLeadingSlash(std::string_view s) {
  if (s.empty() || s.front() == '/') {
    return std::string(s);
  }
  return "/" + std::string(s);
}

std::string joinPathClean(std::string_view path) {
  bool rooted = !path.empty() && path.front() == '/';
  bool trailing = !path.empty() && path.back() == '/';
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t slash = path.find('/', i);
    std::string_view seg =
        path.substr(i, slash == std::string_view::npos ? std::string_view::npos : slash - i);
    if (seg.empty() || seg == ".") {
      // dropped
    } else if (seg == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(seg);
      }
    } else {
      parts.push_back(seg);
    }
    if (slash == std::string_view::npos) {
      break;
    }
    i = slash + 1;
  }
  std::string out = rooted ? "/" : "";
  for (std::size_t k = 0; k < parts.size(); ++k) {
    if (k > 0) {
      out += '/';
    }
    out += parts[k];
  }
  if (out.empty()) {
    out = ".";
  }
  if (trailing && out.back() != '/') {
    out += '/';
  }
  return out;
}

bool pathUnescape(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size() || base::hexValue(in[i + 1]) < 0 || base::hexValue(in[i + 2]) < 0) {
      return false;
    }
    out += static_cast<char>(base::hexValue(in[i + 1]) * 16 + base::hexValue(in[i + 2]));
    i += 2;
  }
  return true;
}

Verdict answerText(RequestContext& ctx, int status, std::string_view text) {
  ctx.answer.status = status;
  ctx.answer.headers.clear();
  ctx.answer.headers.set("Content-Type", "text/plain; charset=utf-8");
  ctx.answer.headers.set("X-Content-Type-Options", "nosniff");
  ctx.answer.body.assign(text);
  ctx.answer.body += '\n';
  return Verdict::Answer;
}

}  // namespace pier::middleware
