#include "observability/api_query.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <functional>
#include <limits>

#include "base/strings.h"

namespace pier::observability {
namespace {

constexpr long long kDefaultPerPage = 100;
constexpr std::int64_t kCertificateWarningSeconds = 30 * 24 * 3600;

// Form decoding as Go's url.QueryUnescape: '+' is a space; a bad escape is kept as written.
std::string formDecoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && base::hexValue(s[i + 1]) >= 0 &&
               base::hexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(base::hexValue(s[i + 1]) * 16 + base::hexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool containsFolded(std::string_view haystack, const std::string& needle_lower) {
  return base::toLower(haystack).find(needle_lower) != std::string::npos;
}

// Go's strconv.Atoi then `> 0`: the message shows the value (0 when it did not parse).
std::optional<std::string> positiveParam(std::string_view query, std::string_view key,
                                         long long fallback, long long& out) {
  std::string raw = queryValue(query, key).value_or("");
  if (raw.empty()) {
    out = fallback;
    return std::nullopt;
  }
  std::string_view digits = raw;
  if (!digits.empty() && digits.front() == '+') {
    digits.remove_prefix(1);
  }
  long long value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
    value = 0;
  }
  if (value <= 0) {
    return "invalid request: " + std::string(key) + ": " + std::to_string(value);
  }
  out = value;
  return std::nullopt;
}

// Go's http.Error with a JSON {"message": ...} body: text/plain, newline-terminated.
ApiAnswer errorAnswer(int status, std::string_view message) {
  ApiAnswer a;
  a.status = status;
  a.json = false;
  a.body = "{\"message\":";
  base::appendJsonString(a.body, message);
  a.body += "}\n";
  return a;
}

// Both factors are positive; the product saturates instead of overflowing.
long long saturatingProduct(long long a, long long b) {
  return a != 0 && b > std::numeric_limits<long long>::max() / a
             ? std::numeric_limits<long long>::max()
             : a * b;
}

// An entry's status: fixed at build time, except a certificate's, which the clock decides.
std::string statusOf(ApiListKind kind, const ApiListEntry& e, std::int64_t now) {
  return kind == ApiListKind::Certificates ? certificateStatus(e.not_after, now) : e.status;
}

bool searchedIn(const ApiListEntry& e, const std::string& search_lower) {
  return std::any_of(e.searched.begin(), e.searched.end(),
                     [&](const std::string& v) { return containsFolded(v, search_lower); });
}

bool keep(const ApiList& list, const ApiListEntry& e, std::string_view query, std::int64_t now) {
  if (list.kind == ApiListKind::EntryPoints) {
    return true;
  }
  std::string status = queryValue(query, "status").value_or("");
  if (!status.empty() && base::toLower(status) != base::toLower(statusOf(list.kind, e, now))) {
    return false;
  }
  std::string search = base::toLower(queryValue(query, "search").value_or(""));
  if (!search.empty() && !containsFolded(e.name, search) &&
      !(list.kind == ApiListKind::Routers && containsFolded(e.rule, search)) &&
      !searchedIn(e, search)) {
    return false;
  }
  if (list.kind != ApiListKind::Routers) {
    return true;
  }
  // serviceName: a qualified service compares whole; an unqualified one (the router's own
  // provider) compares with the parameter's name part.
  std::string service = queryValue(query, "serviceName").value_or("");
  if (!service.empty()) {
    bool match = e.service.find('@') != std::string::npos
                     ? service == e.service
                     : service.substr(0, service.find('@')) == e.service;
    if (!match) {
      return false;
    }
  }
  std::string middleware = queryValue(query, "middlewareName").value_or("");
  return middleware.empty() ||
         std::find(e.middlewares.begin(), e.middlewares.end(), middleware) != e.middlewares.end();
}

// Sorts by one field, ties by name; `direction` other than "asc" sorts descending.
void sortEntries(ApiListKind kind, std::vector<const ApiListEntry*>& v, std::string_view query,
                 std::int64_t now) {
  std::string by = queryValue(query, "sortBy").value_or("");
  std::string direction = queryValue(query, "direction").value_or("");
  bool asc = direction.empty() || direction == "asc";
  if (kind == ApiListKind::EntryPoints) {
    by.clear();
    asc = true;
  }
  using Key = std::function<int(const ApiListEntry&, const ApiListEntry&)>;
  auto text = [](std::string ApiListEntry::*field) -> Key {
    return [field](const ApiListEntry& a, const ApiListEntry& b) {
      return (a.*field).compare(b.*field);
    };
  };
  auto number = [](auto field) -> Key {
    return [field](const ApiListEntry& a, const ApiListEntry& b) {
      auto x = field(a), y = field(b);
      return x < y ? -1 : (x > y ? 1 : 0);
    };
  };
  Key key;
  if (kind == ApiListKind::Certificates) {
    // Traefik's certificate sorts: name/cn (the default), status, issuer, validUntil.
    if (by == "status") {
      key = [now](const ApiListEntry& a, const ApiListEntry& b) {
        return certificateStatus(a.not_after, now).compare(certificateStatus(b.not_after, now));
      };
    } else if (by == "issuer") {
      key = text(&ApiListEntry::issuer);
    } else if (by == "validUntil") {
      key = number([](const ApiListEntry& e) { return e.not_after; });
    }
  } else if (by == "provider") {
    key = text(&ApiListEntry::provider);
  } else if (by == "status") {
    key = text(&ApiListEntry::status);
  } else if (kind == ApiListKind::Routers && by == "priority") {
    key = number([](const ApiListEntry& e) { return e.priority; });
  } else if (kind == ApiListKind::Routers && by == "rule") {
    key = text(&ApiListEntry::rule);
  } else if (kind == ApiListKind::Routers && by == "service") {
    key = text(&ApiListEntry::service);
  } else if (kind == ApiListKind::Routers && by == "entryPoints") {
    key = number([](const ApiListEntry& e) { return e.entry_points; });
  } else if (kind != ApiListKind::Routers && by == "type") {
    key = text(&ApiListEntry::type);
  } else if (kind == ApiListKind::Services && by == "servers") {
    key = number([](const ApiListEntry& e) { return e.servers; });
  }
  std::stable_sort(v.begin(), v.end(), [&](const ApiListEntry* a, const ApiListEntry* b) {
    int c = key ? key(*a, *b) : 0;
    if (c == 0) {
      c = a->name.compare(b->name);
    }
    if (c == 0) {
      c = a->id.compare(b->id);
    }
    return asc ? c < 0 : c > 0;
  });
}

// An entry's JSON; a certificate's gets its status, the last field as in Traefik.
std::string entryJson(ApiListKind kind, const ApiListEntry& e, std::int64_t now) {
  if (kind != ApiListKind::Certificates) {
    return e.json;
  }
  return e.json + ",\"status\":\"" + certificateStatus(e.not_after, now) + "\"}";
}

ApiAnswer listAnswer(const ApiList& list, std::string_view query, std::int64_t now) {
  long long per_page = 0;
  long long page = 0;
  if (auto bad = positiveParam(query, "per_page", kDefaultPerPage, per_page)) {
    return errorAnswer(400, *bad);
  }
  if (auto bad = positiveParam(query, "page", 1, page)) {
    return errorAnswer(400, *bad);
  }
  std::vector<const ApiListEntry*> kept;
  for (const ApiListEntry& e : list.entries) {
    if (keep(list, e, query, now)) {
      kept.push_back(&e);
    }
  }
  sortEntries(list.kind, kept, query, now);
  auto total = static_cast<long long>(kept.size());
  long long start = saturatingProduct(page - 1, per_page);
  if (start != 0 && start >= total) {
    return errorAnswer(400, "invalid request: page: " + std::to_string(page) +
                                ", per_page: " + std::to_string(per_page));
  }
  long long end = start + std::min(per_page, total - start);
  ApiAnswer a;
  a.next_page = saturatingProduct(page, per_page) < total ? std::to_string(page + 1) : "1";
  a.body = "[";
  for (long long i = start; i < end; ++i) {
    if (i != start) {
      a.body += ',';
    }
    a.body += entryJson(list.kind, *kept[static_cast<std::size_t>(i)], now);
  }
  a.body += "]";
  return a;
}

const char* objectNoun(ApiListKind kind) {
  switch (kind) {
    case ApiListKind::Routers:
      return "router";
    case ApiListKind::Services:
      return "service";
    case ApiListKind::Middlewares:
      return "middleware";
    case ApiListKind::EntryPoints:
      return "entry point";
    case ApiListKind::Certificates:
      return "certificate";
  }
  return "object";
}

}  // namespace

std::optional<std::string> queryValue(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty() || pair.find(';') != std::string_view::npos) {
      continue;  // Go drops pairs containing ';'
    }
    std::size_t eq = pair.find('=');
    if (formDecoded(pair.substr(0, eq)) == key) {
      return eq == std::string_view::npos ? std::string() : formDecoded(pair.substr(eq + 1));
    }
  }
  return std::nullopt;
}

namespace {

// Traefik's support dump: version, static and runtime configuration as one tar.gz download.
ApiAnswer supportDumpAnswer(const ApiContent& content, std::int64_t now) {
  auto archive = tarGzip(content.support_files, now);
  if (!archive) {
    return errorAnswer(500, archive.error().message);
  }
  ApiAnswer a;
  a.content_type = "application/gzip";
  a.headers = "Content-Disposition: attachment; filename=support-dump.tar.gz\r\n";
  a.body = std::move(*archive);
  return a;
}

// The overview with its certificate counts filled in (a document without the slot is kept).
std::string overviewAnswer(const ApiContent& content, const std::string& doc, std::int64_t now) {
  std::size_t slot = doc.find(kOverviewCertificatesSlot);
  auto list = content.lists.find("/api/certificates");
  if (slot == std::string::npos || list == content.lists.end()) {
    return doc;
  }
  int warnings = 0;
  int errors = 0;
  for (const ApiListEntry& e : list->second.entries) {
    std::string status = certificateStatus(e.not_after, now);
    warnings += status == "warning" ? 1 : 0;
    errors += status == "expired" ? 1 : 0;
  }
  std::string section =
      "\"certificates\":{\"total\":" + std::to_string(list->second.entries.size()) +
      ",\"warnings\":" + std::to_string(warnings) + ",\"errors\":" + std::to_string(errors) + "}";
  return std::string(doc).replace(slot, kOverviewCertificatesSlot.size(), section);
}

}  // namespace

std::string certificateStatus(std::int64_t not_after, std::int64_t now) {
  if (not_after < now) {
    return "expired";
  }
  return not_after - now < kCertificateWarningSeconds ? "warning" : "enabled";
}

std::optional<ApiAnswer> answerApi(const ApiContent& content, std::string_view path,
                                   std::string_view query) {
  return answerApi(content, path, query, static_cast<std::int64_t>(std::time(nullptr)));
}

std::optional<ApiAnswer> answerApi(const ApiContent& content, std::string_view path,
                                   std::string_view query, std::int64_t now) {
  if (auto list = content.lists.find(std::string(path)); list != content.lists.end()) {
    return listAnswer(list->second, query, now);
  }
  if (path == "/api/support-dump" && !content.support_files.empty()) {
    return supportDumpAnswer(content, now);
  }
  if (auto doc = content.documents.find(std::string(path)); doc != content.documents.end()) {
    ApiAnswer a;
    a.body = path == "/api/overview" ? overviewAnswer(content, doc->second, now) : doc->second;
    return a;
  }
  // An unknown object under a list: Traefik's "router not found: NAME".
  std::size_t slash = path.rfind('/');
  if (slash != std::string_view::npos && slash + 1 < path.size()) {
    auto list = content.lists.find(std::string(path.substr(0, slash)));
    if (list != content.lists.end() && list->second.kind == ApiListKind::Certificates) {
      std::string_view id = path.substr(slash + 1);
      for (const ApiListEntry& e : list->second.entries) {
        if (e.id == id) {
          ApiAnswer a;
          a.body = entryJson(ApiListKind::Certificates, e, now);
          return a;
        }
      }
    }
    if (list != content.lists.end()) {
      return errorAnswer(404, std::string(objectNoun(list->second.kind)) +
                                  " not found: " + std::string(path.substr(slash + 1)));
    }
  }
  return std::nullopt;
}

}  // namespace pier::observability
