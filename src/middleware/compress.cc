// compress: the request phase does nothing; the response phase picks the encoding from the
// request's Accept-Encoding (and skips HEAD and excluded request content types), adds
// `Vary: Accept-Encoding`, and hands the proxy a body filter that decides from the response
// (Content-Encoding, Content-Type, size) whether to compress, then encodes as the body streams.
//
// Size: with a Content-Length the decision is immediate; without one the filter holds the head
// and buffers up to minResponseBodyBytes before deciding (a shorter body goes out unchanged).
// Event streams (text/event-stream) are compressed at once without that wait, as Traefik's
// per-event flush does, and every chunk is flushed so events still arrive one by one.
#include "middleware/compress.h"

#include <algorithm>

#include "base/strings.h"
#include "middleware/compress_codec.h"
#include "middleware/compress_negotiation.h"

namespace pier::middleware {
namespace {

constexpr std::int64_t kDefaultMinBytes = 1024;

struct Options {
  std::vector<std::string> excluded_content_types;
  std::vector<std::string> included_content_types;
  std::int64_t min_response_body_bytes = 0;
  std::optional<std::vector<std::string>> encodings;
  std::string default_encoding;
};

template <class V>
void describe(V& v, Options& o) {
  v("excludedContentTypes", o.excluded_content_types);
  v("includedContentTypes", o.included_content_types);
  v("minResponseBodyBytes", o.min_response_body_bytes);
  v("encodings", o.encodings);
  v("defaultEncoding", o.default_encoding);
}

struct Settings {
  EncodingPreferences prefs;
  std::vector<MediaType> excluded;  // application/grpc first, always
  std::vector<MediaType> included;  // when set, only these are compressed
  std::size_t min_bytes = kDefaultMinBytes;
};

class CompressFilter final : public BodyFilter {
 public:
  CompressFilter(std::shared_ptr<const Middleware> owner, const Settings& s, Encoding e)
      : owner_(std::move(owner)), settings_(s), encoding_(e) {}

  State start(http::ResponseHead& head) override {
    if (const std::string* ce = head.headers.get("Content-Encoding"); ce && !ce->empty()) {
      return State::Pass;  // already encoded (by the backend or an inner middleware)
    }
    bool event_stream = false;
    if (const std::string* ct = head.headers.get("Content-Type"); ct && !ct->empty()) {
      auto media = parseMediaType(*ct);
      if (!media || !contentTypeAllowed(*media)) {
        return State::Pass;
      }
      event_stream = media->type == "text/event-stream";
    }
    if (const std::string* cl = head.headers.get("Content-Length")) {
      unsigned long long n = 0;
      if (!base::parseUint64(base::trim(*cl), n) || n < settings_.min_bytes) {
        return State::Pass;
      }
      return begin(head);
    }
    return event_stream ? begin(head) : State::Holding;
  }

  State write(std::string_view data, http::ResponseHead& head, std::string& out) override {
    if (encoder_ == nullptr) {  // still deciding
      held_.append(data);
      if (held_.size() < settings_.min_bytes) {
        return State::Holding;
      }
      if (begin(head) != State::Transform) {
        out += held_;
        return State::Pass;
      }
      std::string pending;
      pending.swap(held_);
      return encoder_->write(pending, out) ? State::Transform : State::Reject;
    }
    return encoder_->write(data, out) ? State::Transform : State::Reject;
  }

  State finish(http::ResponseHead&, std::string& out) override {
    if (encoder_ == nullptr) {
      out += held_;  // the whole body was smaller than the minimum: unchanged
      return State::Pass;
    }
    return encoder_->finish(out) ? State::Transform : State::Reject;
  }

 private:
  bool contentTypeAllowed(const MediaType& media) const {
    auto matches = [&](const MediaType& m) { return mediaTypeMatches(m, media); };
    if (!settings_.included.empty() &&
        std::none_of(settings_.included.begin(), settings_.included.end(), matches)) {
      return false;
    }
    return std::none_of(settings_.excluded.begin(), settings_.excluded.end(), matches);
  }

  State begin(http::ResponseHead& head) {
    encoder_ = makeEncoder(encoding_);
    if (encoder_ == nullptr) {
      return State::Pass;  // no memory for the codec: send the body as it is
    }
    head.headers.remove("Content-Length");
    head.headers.remove("Accept-Ranges");  // byte ranges of the encoded body would not match
    head.headers.set("Content-Encoding", encodingName(encoding_));
    return State::Transform;
  }

  std::shared_ptr<const Middleware> owner_;  // keeps settings_ alive
  const Settings& settings_;
  Encoding encoding_;
  std::unique_ptr<Encoder> encoder_;
  std::string held_;
};

class Compress final : public Middleware {
 public:
  Compress(std::string name, Settings s) : Middleware(std::move(name)), s_(std::move(s)) {}
  std::string_view kind() const override { return "compress"; }

  Verdict onRequest(RequestContext&) const override { return Verdict::Continue; }
  bool hasResponseHook() const override { return true; }
  bool needsRequestHeadersOnResponse() const override { return true; }

  std::unique_ptr<BodyFilter> bodyFilter(const ResponseContext& rc,
                                         http::ResponseHead& head) const override {
    if (rc.method == "HEAD" || rc.request_headers == nullptr) {
      return nullptr;
    }
    const http::HeaderMap& req = *rc.request_headers;
    if (const std::string* ct = req.get("Content-Type")) {
      // gRPC and excluded request types (text/event-stream requests, typically) stay as they are.
      auto media = parseMediaType(*ct);
      if (media && std::any_of(s_.excluded.begin(), s_.excluded.end(),
                               [&](const MediaType& m) { return m.type == media->type; })) {
        return nullptr;
      }
    }
    std::vector<std::string_view> accept;
    req.forEach("Accept-Encoding", [&](std::string_view v) { accept.push_back(v); });
    auto encoding = negotiateEncoding(accept, !accept.empty(), s_.prefs);
    if (!encoding) {
      return nullptr;
    }
    head.headers.add("Vary", "Accept-Encoding");
    return std::make_unique<CompressFilter>(shared_from_this(), s_, *encoding);
  }

 private:
  Settings s_;
};

Result<std::vector<MediaType>> parseTypes(const BuildContext& b, std::string_view option,
                                          const std::vector<std::string>& values) {
  std::vector<MediaType> out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    auto m = parseMediaType(values[i]);
    if (!m) {
      return fail(optionError(b, std::string(option) + "[" + std::to_string(i) + "]",
                              "\"" + values[i] + "\" is not a media type (type/subtype)"));
    }
    out.push_back(std::move(*m));
  }
  return out;
}

}  // namespace

Result<MiddlewarePtr> makeCompress(const BuildContext& b) {
  auto o = decodeOptions<Options>(b);
  if (!o) {
    return fail(o.error());
  }
  if (!o->excluded_content_types.empty() && !o->included_content_types.empty()) {
    return fail(
        optionError(b, "", "excludedContentTypes and includedContentTypes are mutually exclusive"));
  }
  Settings s;
  s.excluded.push_back(*parseMediaType("application/grpc"));
  auto excluded = parseTypes(b, "excludedContentTypes", o->excluded_content_types);
  if (!excluded) {
    return fail(excluded.error());
  }
  s.excluded.insert(s.excluded.end(), excluded->begin(), excluded->end());
  auto included = parseTypes(b, "includedContentTypes", o->included_content_types);
  if (!included) {
    return fail(included.error());
  }
  s.included = std::move(*included);
  if (o->min_response_body_bytes > 0) {
    s.min_bytes = static_cast<std::size_t>(o->min_response_body_bytes);
  }
  // Traefik v3's default order, which is also the preference on equal q values.
  std::vector<std::string> names =
      o->encodings.value_or(std::vector<std::string>{"gzip", "br", "zstd"});
  if (names.empty()) {
    return fail(optionError(b, "encodings", "expected at least one of gzip, br, zstd"));
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto e = encodingFromName(base::trim(names[i]));
    if (!e) {
      return fail(optionError(b, "encodings[" + std::to_string(i) + "]",
                              "\"" + names[i] + "\" is not one of gzip, br, zstd"));
    }
    s.prefs.encodings.push_back(*e);
  }
  if (!o->default_encoding.empty()) {
    auto e = encodingFromName(o->default_encoding);
    if (!e || std::find(s.prefs.encodings.begin(), s.prefs.encodings.end(), *e) ==
                  s.prefs.encodings.end()) {
      return fail(optionError(b, "defaultEncoding",
                              "\"" + o->default_encoding + "\" is not one of the encodings"));
    }
    s.prefs.default_encoding = *e;
  }
  return std::make_shared<Compress>(b.name, std::move(s));
}

}  // namespace pier::middleware
