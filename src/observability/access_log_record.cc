#include "observability/access_log_record.h"

#include <chrono>
#include <cstring>

namespace pier::observability::record {
namespace {

using std::chrono::system_clock;

std::int64_t sinceEpochNs(system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

system_clock::time_point fromEpochNs(std::int64_t ns) {
  return system_clock::time_point(
      std::chrono::duration_cast<system_clock::duration>(std::chrono::nanoseconds(ns)));
}

bool hasHeaders(const AccessLogEntry& e) {
  return e.request_headers != nullptr && !e.request_headers->fields().empty();
}

std::size_t headersSize(const AccessLogEntry& e) {
  std::size_t n = 0;
  if (hasHeaders(e)) {
    for (const http::HeaderField& f : e.request_headers->fields()) {
      n += 2 * sizeof(std::uint32_t) + f.name.size() + f.value.size();
    }
  }
  return n;
}

std::array<std::string_view, 4> routeNames(const AccessLogEntry& e) {
  return {e.router, e.service, e.service_url, e.service_addr};
}

template <typename T>
char* put(char* at, const T& value) {
  std::memcpy(at, &value, sizeof value);
  return at + sizeof value;
}

char* put(char* at, std::string_view s) {
  std::memcpy(at, s.data(), s.size());
  return at + s.size();
}

template <typename T>
const char* get(const char* at, T& value) {
  std::memcpy(&value, at, sizeof value);
  return at + sizeof value;
}

}  // namespace

LineRecord::LineRecord(const AccessLogEntry& e) : e_(e) {
  texts_[ClientIp] = e.client_ip;
  texts_[ForwardedFor] = e.forwarded_for;
  texts_[Method] = e.method;
  texts_[Target] = e.target;
  texts_[Host] = e.host;
  texts_[EntryPoint] = e.entry_point;
  texts_[TlsVersion] = e.tls_version;
  texts_[TlsCipher] = e.tls_cipher;
  texts_[TlsClientSubject] = e.tls_client_subject;
  std::size_t headers = headersSize(e);
  size_ = sizeof(Prefix) + sizeof(LineHeader) + headers;
  for (std::size_t i = 0; i < Headers; ++i) {
    size_ += texts_[i].size();
  }
  headers_bytes_ = headers;
}

char* LineRecord::write(char* at, std::uint8_t route_slot) const {
  const AccessLogEntry& e = e_;
  LineHeader h;
  h.start_ns = sinceEpochNs(e.start);
  h.logged_ns = sinceEpochNs(e.logged);
  h.duration_ns = e.duration_ns;
  h.request_bytes = e.request_bytes;
  h.response_bytes = e.response_bytes;
  h.request_count = e.request_count;
  h.status = e.status;
  h.client_port = e.client_port;
  h.retries = e.retries;
  for (std::size_t i = 0; i < Headers; ++i) {
    h.lengths[i] = static_cast<std::uint32_t>(texts_[i].size());
  }
  h.lengths[Headers] = static_cast<std::uint32_t>(headers_bytes_);
  h.version_minor = static_cast<std::uint8_t>(e.version_minor);
  h.route_slot = route_slot;
  h.forwarded = e.forwarded;
  h.tls = e.tls;
  h.has_headers = headers_bytes_ > 0;
  at = put(at, Prefix{static_cast<std::uint32_t>(size_), Kind::Line});
  at = put(at, h);
  for (std::size_t i = 0; i < Headers; ++i) {
    if (!texts_[i].empty()) {  // most lines have no TLS or X-Forwarded-For values
      at = put(at, texts_[i]);
    }
  }
  if (h.has_headers) {
    for (const http::HeaderField& f : e.request_headers->fields()) {
      at = put(at, static_cast<std::uint32_t>(f.name.size()));
      at = put(at, static_cast<std::uint32_t>(f.value.size()));
      at = put(at, std::string_view(f.name));
      at = put(at, std::string_view(f.value));
    }
  }
  return at;
}

std::size_t routeSize(const AccessLogEntry& e) {
  std::size_t n = sizeof(Prefix) + sizeof(RouteHeader);
  for (std::string_view s : routeNames(e)) {
    n += s.size();
  }
  return n;
}

char* writeRoute(char* at, const AccessLogEntry& e, std::uint8_t slot) {
  std::array<std::string_view, 4> names = routeNames(e);
  RouteHeader h;
  h.identity = e.route_identity;
  for (std::size_t i = 0; i < names.size(); ++i) {
    h.lengths[i] = static_cast<std::uint32_t>(names[i].size());
  }
  h.slot = slot;
  at = put(at, Prefix{static_cast<std::uint32_t>(routeSize(e)), Kind::Route});
  at = put(at, h);
  for (std::string_view s : names) {
    at = put(at, s);
  }
  return at;
}

std::uint8_t RouteSlots::slotFor(const AccessLogEntry& e, bool& define) {
  define = false;
  std::array<std::string_view, 4> names = routeNames(e);
  if (!e.route_identity.known() && names == std::array<std::string_view, 4>{}) {
    return kNoRoute;
  }
  for (std::uint8_t i = 0; i < kRouteSlots; ++i) {
    if (slots_[i].matches(e.route_identity, names)) {
      return i;
    }
  }
  std::uint8_t slot = next_;
  next_ = static_cast<std::uint8_t>((next_ + 1) % kRouteSlots);
  slots_[slot].store(e.route_identity, names, {});
  define = true;
  return slot;
}

bool RecordReader::next(const char*& at, const char* end, AccessLogEntry& e) {
  Prefix prefix;
  if (static_cast<std::size_t>(end - at) < sizeof prefix) {
    at = end;
    return false;
  }
  get(at, prefix);
  if (prefix.size > static_cast<std::size_t>(end - at) || prefix.size < sizeof prefix) {
    at = end;  // cannot happen with records written by this file; stop rather than misread
    return false;
  }
  const char* record_end = at + prefix.size;
  const char* p = at + sizeof prefix;
  at = record_end;
  if (prefix.kind == Kind::Route) {
    RouteHeader h;
    p = get(p, h);
    if (h.slot >= kRouteSlots) {
      return false;
    }
    RouteNames& route = routes_[h.slot];
    route.identity = h.identity;
    for (std::size_t i = 0; i < route.names.size(); ++i) {
      route.names[i].assign(p, h.lengths[i]);
      p += h.lengths[i];
    }
    return false;
  }
  LineHeader h;
  p = get(p, h);
  std::array<std::string_view, LineTexts> texts;
  for (std::size_t i = 0; i < LineTexts; ++i) {
    texts[i] = {p, h.lengths[i]};
    p += h.lengths[i];
  }
  e = AccessLogEntry{};
  e.start = fromEpochNs(h.start_ns);
  e.logged = fromEpochNs(h.logged_ns);
  e.duration_ns = h.duration_ns;
  e.request_bytes = h.request_bytes;
  e.response_bytes = h.response_bytes;
  e.request_count = h.request_count;
  e.status = h.status;
  e.client_port = h.client_port;
  e.retries = h.retries;
  e.version_minor = h.version_minor;
  e.forwarded = h.forwarded;
  e.tls = h.tls;
  e.client_ip = texts[ClientIp];
  e.forwarded_for = texts[ForwardedFor];
  e.method = texts[Method];
  e.target = texts[Target];
  e.host = texts[Host];
  e.entry_point = texts[EntryPoint];
  e.tls_version = texts[TlsVersion];
  e.tls_cipher = texts[TlsCipher];
  e.tls_client_subject = texts[TlsClientSubject];
  if (h.has_headers) {
    headers_.fields().clear();
    std::string_view blob = texts[Headers];
    while (blob.size() >= 2 * sizeof(std::uint32_t)) {
      std::uint32_t name_len = 0;
      std::uint32_t value_len = 0;
      get(get(blob.data(), name_len), value_len);
      blob.remove_prefix(2 * sizeof(std::uint32_t));
      if (blob.size() < std::size_t{name_len} + value_len) {
        break;
      }
      headers_.add(blob.substr(0, name_len), blob.substr(name_len, value_len));
      blob.remove_prefix(std::size_t{name_len} + value_len);
    }
    e.request_headers = &headers_;
  }
  if (h.route_slot < kRouteSlots) {
    const RouteNames& route = routes_[h.route_slot];
    e.route_identity = route.identity;
    e.router = route.names[0];
    e.service = route.names[1];
    e.service_url = route.names[2];
    e.service_addr = route.names[3];
  }
  return true;
}

}  // namespace pier::observability::record
