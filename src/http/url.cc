#include "http/url.h"

#include <vector>

#include "base/strings.h"

namespace pier::http {
namespace {

constexpr std::string_view kReserved = ":/?#[]@!$&'()*+,;=%";

bool isUnreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

constexpr char kHexUpper[] = "0123456789ABCDEF";

// Step 3: decode unreserved, upper-case the hex of the rest. False on a bad escape.
bool normalizeEscapes(std::string_view raw, std::string& out) {
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '%') {
      out.push_back(raw[i]);
      continue;
    }
    if (i + 2 >= raw.size()) {
      return false;  // truncated escape
    }
    int hi = base::hexValue(raw[i + 1]);
    int lo = base::hexValue(raw[i + 2]);
    if (hi < 0 || lo < 0) {
      return false;
    }
    char c = static_cast<char>(hi * 16 + lo);
    if (isUnreserved(c)) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHexUpper[hi]);
      out.push_back(kHexUpper[lo]);
    }
    i += 2;
  }
  return true;
}

// Decodes every escape of a normalized path except reserved characters.
std::string routingForm(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && i + 2 < path.size()) {
      char c = static_cast<char>(base::hexValue(path[i + 1]) * 16 + base::hexValue(path[i + 2]));
      if (kReserved.find(c) == std::string_view::npos) {
        out.push_back(c);
        i += 2;
        continue;
      }
    }
    out.push_back(path[i]);
  }
  return out;
}

std::string rewriteSemicolons(std::string_view query, bool encode) {
  std::string out;
  out.reserve(query.size());
  for (char c : query) {
    if (c != ';') {
      out.push_back(c);
    } else if (encode) {
      out.append("%3B");
    } else {
      out.push_back('&');
    }
  }
  return out;
}

// Splits an absolute-form target into authority and the rest; false when not absolute-form.
bool splitAbsolute(std::string_view target, std::string_view& authority, std::string_view& rest) {
  std::string_view after;
  if (base::istartsWith(target, "http://")) {
    after = target.substr(7);
  } else if (base::istartsWith(target, "https://")) {
    after = target.substr(8);
  } else {
    return false;
  }
  std::size_t end = after.find_first_of("/?");
  authority = after.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : after.substr(end);
  return true;
}

Error badTarget(const char* what) {
  return Error::downstream(what);
}

}  // namespace

std::string sanitizePath(std::string_view path) {
  std::vector<std::string_view> segments;
  bool trailing_slash = false;
  std::size_t pos = 0;
  while (true) {
    std::size_t slash = path.find('/', pos);
    bool last = slash == std::string_view::npos;
    std::string_view seg = path.substr(pos, last ? std::string_view::npos : slash - pos);
    if (seg == "..") {
      if (!segments.empty()) {
        segments.pop_back();
      }
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    if (last) {
      trailing_slash = seg.empty() || seg == "." || seg == "..";
      break;
    }
    pos = slash + 1;
  }
  std::string out;
  out.reserve(path.size());
  for (std::string_view seg : segments) {
    out.push_back('/');
    out.append(seg);
  }
  if (out.empty() || trailing_slash) {
    out.push_back('/');
  }
  return out;
}

Result<NormalizedTarget> normalizeTarget(std::string_view target, bool sanitize_path,
                                         bool encode_query_semicolons) {
  if (target.find('#') != std::string_view::npos) {
    return fail(badTarget("'#' in request target"));
  }
  NormalizedTarget out;
  if (target == "*") {
    out.path = out.routing_path = "*";
    return out;
  }
  std::string_view authority;
  std::string_view rest = target;
  if (splitAbsolute(target, authority, rest)) {
    out.authority = std::string(authority);
    if (rest.empty() || rest.front() == '?') {
      // assign(1, '/') rather than = "/": GCC 12 at -O3 reports a false -Wrestrict on the latter.
      out.path.assign(1, '/');
    }
  } else if (target.empty() || target.front() != '/') {
    return fail(badTarget("request target is not origin-form"));
  }
  std::size_t q = rest.find('?');
  std::string_view raw_path = rest.substr(0, q);
  if (q != std::string_view::npos) {
    out.query = rewriteSemicolons(rest.substr(q + 1), encode_query_semicolons);
  }
  if (!raw_path.empty()) {
    std::string normalized;
    if (!normalizeEscapes(raw_path, normalized)) {
      return fail(badTarget("invalid percent-encoding in path"));
    }
    out.path = sanitize_path ? sanitizePath(normalized) : std::move(normalized);
  }
  out.routing_path = routingForm(out.path);
  return out;
}

std::string canonicalHost(std::string_view host_header) {
  std::string_view host = base::trim(host_header);
  if (!host.empty() && host.front() == '[') {
    std::size_t close = host.find(']');
    host = close == std::string_view::npos ? host.substr(1) : host.substr(1, close - 1);
  } else {
    std::size_t colon = host.find(':');
    if (colon != std::string_view::npos && host.find(':', colon + 1) == std::string_view::npos) {
      host = host.substr(0, colon);
    }
  }
  if (!host.empty() && host.back() == '.') {
    host.remove_suffix(1);
  }
  return base::toLower(host);
}

}  // namespace pier::http
