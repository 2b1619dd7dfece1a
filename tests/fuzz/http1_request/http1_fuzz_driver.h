// Shared driver of the http1_request and http1_response fuzz targets: the first input bytes pick
// the split points, the rest is fed to an Http1Parser in pieces (each piece its own heap buffer so
// ASan sees any read outside it). Aborts when `consumed` exceeds the piece or a body view points
// outside the piece being fed.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <string_view>

#include "http/parser.h"

namespace pier::http::fuzz {

class CheckingSink : public ParserSink {
 public:
  void onRequestHead(RequestHead&& head, const BodyInfo& body) override {
    (void)head;
    (void)body;
  }
  void onResponseHead(ResponseHead&& head, const BodyInfo& body) override {
    (void)body;
    if (head.status < 100 || head.status > 999) {
      std::abort();
    }
  }
  void onBody(std::string_view data) override {
    if (data.data() < piece_begin || data.data() + data.size() > piece_end) {
      std::abort();
    }
  }
  void onMessageComplete() override {}

  const char* piece_begin = nullptr;
  const char* piece_end = nullptr;
};

inline void runHttp1Fuzz(Http1Parser::Mode mode, const std::uint8_t* data, std::size_t size) {
  if (size < 2) {
    return;
  }
  std::mt19937 rng(static_cast<std::uint32_t>(data[0] | (data[1] << 8)));
  bool head_response = (data[0] & 0x80) != 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);
  CheckingSink sink;
  Http1Parser parser(mode, sink, ParseLimits{4096, 64});
  if (mode == Http1Parser::Mode::Response && head_response) {
    parser.expectNoBodyForNextResponse();
  }
  std::size_t pos = 0;
  while (pos < input.size()) {
    std::size_t n = 1 + rng() % (input.size() - pos);
    auto piece = std::make_unique<char[]>(n);
    std::copy_n(input.data() + pos, n, piece.get());
    sink.piece_begin = piece.get();
    sink.piece_end = piece.get() + n;
    std::size_t off = 0;
    while (true) {
      FeedResult fr = parser.feed(std::string_view(piece.get() + off, n - off));
      if (fr.consumed > n - off) {
        std::abort();
      }
      off += fr.consumed;
      if (fr.status == ParseStatus::Error) {
        if (parser.errorStatus() < 400 || parser.errorStatus() > 599) {
          std::abort();
        }
        return;
      }
      if (fr.status == ParseStatus::Ok) {
        break;
      }
      parser.resume();  // Paused, or Upgrade treated as refused: keep parsing HTTP
      if (off == n) {
        break;
      }
    }
    pos += n;
  }
  parser.finishEof();
  parser.reset();
}

}  // namespace pier::http::fuzz
