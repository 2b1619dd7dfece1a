// compress: Accept-Encoding negotiation, content-type lists, the three encoders (decoded with
// the same libraries) and the body filter's decisions; buffering's filter and options.
#include <brotli/decode.h>
#include <zlib.h>
#include <zstd.h>

#include "harness.h"
#include "middleware/compress_codec.h"
#include "middleware/compress_negotiation.h"

using namespace pier;
using namespace pier::test;
using middleware::BodyFilter;
using middleware::Encoding;
using State = middleware::BodyFilter::State;

namespace {

const middleware::EncodingPreferences kDefaults{{Encoding::Gzip, Encoding::Brotli, Encoding::Zstd},
                                                std::nullopt};

std::string pick(std::vector<std::string_view> values,
                 const middleware::EncodingPreferences& prefs = kDefaults) {
  auto e = middleware::negotiateEncoding(values, true, prefs);
  return e ? std::string(middleware::encodingName(*e)) : std::string("none");
}

std::string gunzip(const std::string& in) {
  z_stream z{};
  REQUIRE(inflateInit2(&z, 15 + 16) == Z_OK);
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  char buf[4096];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_SYNC_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
    if (rc == Z_BUF_ERROR && z.avail_in == 0) {
      break;  // all input used: a flushed, unfinished stream
    }
  }
  inflateEnd(&z);
  return out;
}

std::string unbrotli(const std::string& in) {
  BrotliDecoderState* s = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  std::size_t avail_in = in.size();
  const auto* next_in = reinterpret_cast<const std::uint8_t*>(in.data());
  std::string out;
  for (;;) {
    std::size_t avail_out = 0;
    BrotliDecoderResult r =
        BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, nullptr, nullptr);
    std::size_t size = 0;
    const std::uint8_t* p = BrotliDecoderTakeOutput(s, &size);
    out.append(reinterpret_cast<const char*>(p), size);
    if (r != BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
      break;
    }
  }
  BrotliDecoderDestroyInstance(s);
  return out;
}

std::string unzstd(const std::string& in) {
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  std::string out;
  char buf[4096];
  while (ib.pos < ib.size) {
    ZSTD_outBuffer ob{buf, sizeof buf, 0};
    std::size_t rc = ZSTD_decompressStream(d, &ob, &ib);
    REQUIRE(!ZSTD_isError(rc));
    out.append(buf, ob.pos);
  }
  for (;;) {  // drain what the decoder still holds
    ZSTD_outBuffer ob{buf, sizeof buf, 0};
    ZSTD_decompressStream(d, &ob, &ib);
    out.append(buf, ob.pos);
    if (ob.pos < sizeof buf) {
      break;
    }
  }
  ZSTD_freeDCtx(d);
  return out;
}

std::string decode(Encoding e, const std::string& in) {
  switch (e) {
    case Encoding::Gzip:
      return gunzip(in);
    case Encoding::Brotli:
      return unbrotli(in);
    case Encoding::Zstd:
      return unzstd(in);
  }
  return {};
}

std::string text(std::size_t n) {
  std::string s;
  while (s.size() < n) {
    s += "pier compresses this line number " + std::to_string(s.size()) + "\n";
  }
  s.resize(n);
  return s;
}

// One exchange through a chain up to the response head; returns the body filter, if any.
struct Run {
  http::RequestHead req;
  middleware::ChainRun run;
  http::ResponseHead resp;
  std::unique_ptr<BodyFilter> filter;

  Run(const middleware::ChainPtr& chain, std::vector<std::pair<std::string, std::string>> headers,
      std::string method = "GET") {
    req.method = std::move(method);
    req.target = "/";
    for (auto& [k, v] : headers) {
      req.headers.add(k, v);
    }
    middleware::RequestContext ctx{req, *base::IpAddress::parse("127.0.0.1"), false};
    REQUIRE(run.runRequest(*chain, ctx) == middleware::Verdict::Continue);
  }
  Run& response(std::vector<std::pair<std::string, std::string>> headers) {
    for (auto& [k, v] : headers) {
      resp.headers.add(k, v);
    }
    filter = run.runResponse(resp);
    return *this;
  }
};

}  // namespace

TEST_CASE("compress negotiation: q-values, configured order, *, identity (as Traefik)") {
  CHECK(pick({""}) == "none");  // an empty field: no coding wanted
  CHECK(pick({"gzip, br"}) == "gzip");
  CHECK(pick({"br, zstd"}) == "br");
  CHECK(pick({"zstd, br, gzip"}) == "gzip");  // equal q: the configured order decides
  CHECK(pick({"compress, gzip"}) == "gzip");
  CHECK(pick({"compress, rar"}) == "none");
  CHECK(pick({"*"}) == "gzip");
  CHECK(pick({"br;q=0.8, gzip;q=1.0, *;q=0.1"}) == "gzip");
  CHECK(pick({"br;q=1, gzip;q=0.5"}) == "br");
  CHECK(pick({"br;q=0.8, identity;q=1.0"}) == "none");
  CHECK(pick({"br;q=0.8, identity;q=0.8"}) == "br");
  CHECK(pick({"compress;q=1.0, gzip, identity;q=0"}) == "gzip");
  CHECK(pick({"gzip, *;q=0"}) == "gzip");
  CHECK(pick({"br;q=0, gzip;q=0, zstd;q=0"}) == "none");
  CHECK(pick({"gzip;q=bad, br"}) == "br");        // an unreadable q counts as 0
  CHECK(pick({"gzip;q=0.5", "zstd"}) == "zstd");  // several fields are one list
  CHECK(pick({"g zip"}) == "gzip");               // spaces are ignored everywhere
  middleware::EncodingPreferences br_first{{Encoding::Brotli, Encoding::Gzip}, Encoding::Gzip};
  CHECK(pick({"zstd, gzip, br"}, br_first) == "br");  // zstd is not configured
  CHECK(pick({"*"}, br_first) == "gzip");             // `*` takes the default encoding
  CHECK(middleware::negotiateEncoding({}, false, br_first) == Encoding::Gzip);
  CHECK(!middleware::negotiateEncoding({}, false, kDefaults));  // absent, no default: none
}

TEST_CASE("compress media types: parse and match with parameters") {
  auto html = middleware::parseMediaType("Text/HTML; charset=UTF-8");
  REQUIRE(html);
  CHECK(html->type == "text/html");
  REQUIRE(html->params.size() == 1);
  CHECK(html->params[0].first == "charset");
  auto plain = *middleware::parseMediaType("text/html");
  CHECK(middleware::mediaTypeMatches(plain, *html));  // no parameters configured: any
  auto utf8 = *middleware::parseMediaType("text/html; charset=\"UTF-8\"");
  CHECK(middleware::mediaTypeMatches(utf8, *html));
  auto latin = *middleware::parseMediaType("text/html; charset=latin1");
  CHECK(!middleware::mediaTypeMatches(latin, *html));
  CHECK(!middleware::mediaTypeMatches(utf8, plain));
  CHECK(!middleware::parseMediaType("text/html; charset"));
  CHECK(!middleware::parseMediaType("text/ html"));
  CHECK(!middleware::parseMediaType(""));
  CHECK(middleware::parseMediaType("text/plain;"));
}

TEST_CASE("compress encoders: round trip, and every write is decodable on its own") {
  for (Encoding e : {Encoding::Gzip, Encoding::Brotli, Encoding::Zstd}) {
    CAPTURE(middleware::encodingName(e));
    auto enc = middleware::makeEncoder(e);
    REQUIRE(enc);
    std::string input = text(200000);
    std::string out;
    std::size_t fed = 0;
    for (std::size_t piece : {100u, 5000u, 60000u}) {
      REQUIRE(enc->write(std::string_view(input).substr(fed, piece), out));
      fed += piece;
      // Flushed: the client can already read everything written so far (server-sent events).
      CHECK(decode(e, out) == input.substr(0, fed));
    }
    REQUIRE(enc->write(std::string_view(input).substr(fed), out));
    REQUIRE(enc->finish(out));
    CHECK(out.size() < input.size() / 4);
    CHECK(decode(e, out) == input);
  }
  auto empty = middleware::makeEncoder(Encoding::Gzip);
  std::string out;
  REQUIRE(empty->finish(out));
  CHECK(gunzip(out).empty());
}

TEST_CASE("compress filter: decisions from the response head and size") {
  auto chain = mustBuild("    c: {compress: {}}\n", {"c@file"});
  SUBCASE("Content-Length over the minimum: compressed at once, Vary added") {
    Run r(chain, {{"Accept-Encoding", "gzip"}});
    r.response({{"Content-Type", "text/html"}, {"Content-Length", "2048"}});
    CHECK(hv(r.resp.headers, "Vary") == "Accept-Encoding");
    REQUIRE(r.filter);
    CHECK(r.filter->start(r.resp) == State::Transform);
    CHECK(hv(r.resp.headers, "Content-Encoding") == "gzip");
    CHECK(!r.resp.headers.has("Content-Length"));
    std::string body = text(2048), out;
    CHECK(r.filter->write(body, r.resp, out) == State::Transform);
    CHECK(r.filter->finish(r.resp, out) == State::Transform);
    CHECK(gunzip(out) == body);
  }
  SUBCASE("small, excluded, grpc or already encoded: untouched") {
    for (auto headers : std::vector<std::vector<std::pair<std::string, std::string>>>{
             {{"Content-Length", "500"}},
             {{"Content-Length", "5000"}, {"Content-Encoding", "br"}},
             {{"Content-Length", "5000"}, {"Content-Type", "application/grpc"}},
             {{"Content-Length", "5000"}, {"Content-Type", "not a type"}}}) {
      Run r(chain, {{"Accept-Encoding", "gzip"}});
      r.response(headers);
      REQUIRE(r.filter);
      CHECK(r.filter->start(r.resp) == State::Pass);
      CHECK(hv(r.resp.headers, "Content-Encoding") != "gzip");
    }
  }
  SUBCASE("no Content-Length: held until the minimum, or passed whole when shorter") {
    Run big(chain, {{"Accept-Encoding", "br"}});
    big.response({});
    REQUIRE(big.filter);
    CHECK(big.filter->start(big.resp) == State::Holding);
    std::string out, body = text(3000);
    CHECK(big.filter->write(body.substr(0, 1000), big.resp, out) == State::Holding);
    CHECK(out.empty());
    CHECK(big.filter->write(body.substr(1000), big.resp, out) == State::Transform);
    CHECK(hv(big.resp.headers, "Content-Encoding") == "br");
    CHECK(big.filter->finish(big.resp, out) == State::Transform);
    CHECK(unbrotli(out) == body);

    Run small(chain, {{"Accept-Encoding", "zstd"}});
    small.response({});
    REQUIRE(small.filter);
    CHECK(small.filter->start(small.resp) == State::Holding);
    std::string out2;
    CHECK(small.filter->write("tiny", small.resp, out2) == State::Holding);
    CHECK(small.filter->finish(small.resp, out2) == State::Pass);
    CHECK(out2 == "tiny");
    CHECK(!small.resp.headers.has("Content-Encoding"));
  }
  SUBCASE("event streams are compressed from the first byte") {
    Run r(chain, {{"Accept-Encoding", "zstd"}});
    r.response({{"Content-Type", "text/event-stream"}});
    REQUIRE(r.filter);
    CHECK(r.filter->start(r.resp) == State::Transform);
    std::string out;
    CHECK(r.filter->write("data: 1\n\n", r.resp, out) == State::Transform);
    CHECK(unzstd(out) == "data: 1\n\n");
  }
  SUBCASE("no filter and no Vary: HEAD, no acceptable coding, excluded request type") {
    Run head(chain, {{"Accept-Encoding", "gzip"}}, "HEAD");
    head.response({});
    CHECK(!head.filter);
    Run none(chain, {{"Accept-Encoding", "identity"}});
    none.response({});
    CHECK(!none.filter);
    CHECK(!none.resp.headers.has("Vary"));
    Run absent(chain, {});
    absent.response({});
    CHECK(!absent.filter);
    Run grpc(chain, {{"Accept-Encoding", "gzip"}, {"Content-Type", "application/grpc"}});
    grpc.response({});
    CHECK(!grpc.filter);
  }
}

TEST_CASE("compress options: lists, minimum, encodings and their errors") {
  auto inc = mustBuild(
      "    c: {compress: {includedContentTypes: [text/plain], minResponseBodyBytes: 10, "
      "encodings: [zstd, gzip], defaultEncoding: zstd}}\n",
      {"c@file"});
  Run plain(inc, {});  // no Accept-Encoding: the default encoding
  plain.response({{"Content-Type", "text/plain"}, {"Content-Length", "10"}});
  REQUIRE(plain.filter);
  CHECK(plain.filter->start(plain.resp) == State::Transform);
  CHECK(hv(plain.resp.headers, "Content-Encoding") == "zstd");
  Run html(inc, {{"Accept-Encoding", "gzip"}});
  html.response({{"Content-Type", "text/html"}, {"Content-Length", "100"}});
  REQUIRE(html.filter);
  CHECK(html.filter->start(html.resp) == State::Pass);

  auto exc = mustBuild("    c: {compress: {excludedContentTypes: [\"text/css\"]}}\n", {"c@file"});
  Run css(exc, {{"Accept-Encoding", "gzip"}});
  css.response({{"Content-Type", "text/css; charset=utf-8"}, {"Content-Length", "5000"}});
  REQUIRE(css.filter);
  CHECK(css.filter->start(css.resp) == State::Pass);

  CHECK(
      buildError("    c: {compress: {excludedContentTypes: [a/b], includedContentTypes: [c/d]}}\n",
                 {"c@file"})
          .find("mutually exclusive") != std::string::npos);
  CHECK(buildError("    c: {compress: {encodings: [gzip, lz4]}}\n", {"c@file"})
            .find("compress.encodings[1]") != std::string::npos);
  CHECK(buildError("    c: {compress: {encodings: [gzip], defaultEncoding: br}}\n", {"c@file"})
            .find("defaultEncoding") != std::string::npos);
  CHECK(buildError("    c: {compress: {excludedContentTypes: [\"a/b;x\"]}}\n", {"c@file"})
            .find("excludedContentTypes[0]") != std::string::npos);
}

TEST_CASE("buffering: request flag, response held whole, 500 past the limit, options") {
  auto chain = mustBuild(
      "    b: {buffering: {maxRequestBodyBytes: 100, maxResponseBodyBytes: 10}}\n", {"b@file"});
  http::RequestHead req;
  req.method = "POST";
  req.target = "/";
  middleware::RequestContext ctx{req, *base::IpAddress::parse("127.0.0.1"), false};
  middleware::ChainRun run;
  REQUIRE(run.runRequest(*chain, ctx) == middleware::Verdict::Continue);
  CHECK(ctx.buffer_request.enabled);
  CHECK(ctx.buffer_request.max_bytes == 100);

  http::ResponseHead resp;
  auto filter = run.runResponse(resp);
  REQUIRE(filter);
  CHECK(filter->start(resp) == State::Holding);
  std::string out;
  CHECK(filter->write("12345", resp, out) == State::Holding);
  CHECK(filter->write("67890", resp, out) == State::Holding);
  CHECK(out.empty());
  CHECK(filter->finish(resp, out) == State::Pass);
  CHECK(out == "1234567890");

  auto over = run.runResponse(resp);
  CHECK(over->start(resp) == State::Holding);
  CHECK(over->write("12345678901", resp, out) == State::Reject);
  http::ResponseHead known;
  known.headers.add("Content-Length", "11");
  CHECK(run.runResponse(known)->start(known) == State::Reject);

  CHECK(buildError("    b: {buffering: {maxRequestBodyBytes: -1}}\n", {"b@file"})
            .find("buffering.maxRequestBodyBytes") != std::string::npos);
  CHECK(buildError("    b: {buffering: {retryExpression: \"IsNetworkError()\"}}\n", {"b@file"})
            .find("retryExpression") != std::string::npos);
}

TEST_CASE("compress and buffering from Docker labels: `compress=true` and list options") {
  auto dyn = config::decodeDynamicFlat(
      {{"http.middlewares.gz.compress", "true"},
       {"http.middlewares.br.compress.encodings", "br,gzip"},
       {"http.middlewares.br.compress.excludedcontenttypes", "text/event-stream,image/png"},
       {"http.middlewares.buf.buffering.maxrequestbodybytes", "2000000"}},
      "label traefik.");
  REQUIRE_MESSAGE(dyn, (dyn ? "" : dyn.error().message));
  config::qualifyNames(*dyn, "docker");
  middleware::MiddlewareSet set(dyn->http.middlewares);
  auto chain = set.chainFor({"gz@docker", "br@docker", "buf@docker"});
  REQUIRE_MESSAGE(chain, (chain ? "" : chain.error().message));
  CHECK((*chain)->items().size() == 3);
  auto br = set.chainFor({"br@docker"});
  REQUIRE(br);
  Run r(*br, {{"Accept-Encoding", "gzip, br"}});
  r.response({{"Content-Length", "5000"}});
  REQUIRE(r.filter);
  CHECK(r.filter->start(r.resp) == State::Transform);
  CHECK(hv(r.resp.headers, "Content-Encoding") == "br");  // configured order on equal q
}
