// Test helper: a ParserSink that records every event, and a driver that feeds input in pieces.
#pragma once

#include <algorithm>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "http/parser.h"

namespace pier::http::test {

struct Message {
  RequestHead request;
  ResponseHead response;
  BodyInfo info;
  std::string body;
  bool complete = false;
};

class RecordingSink : public ParserSink {
 public:
  void onRequestHead(RequestHead&& head, const BodyInfo& body) override {
    messages.push_back(Message{std::move(head), {}, body, {}, false});
  }
  void onResponseHead(ResponseHead&& head, const BodyInfo& body) override {
    messages.push_back(Message{{}, std::move(head), body, {}, false});
  }
  void onBody(std::string_view data) override {
    if (!messages.empty()) {
      messages.back().body.append(data);
    }
  }
  void onMessageComplete() override {
    if (!messages.empty()) {
      messages.back().complete = true;
    }
  }

  std::vector<Message> messages;
};

struct DriveResult {
  ParseStatus last = ParseStatus::Ok;
  std::size_t consumed = 0;        // total bytes consumed
  std::vector<std::size_t> stops;  // offsets where the parser paused
};

// Feeds `input` cut at `cuts` (sorted offsets), resuming after each pause, until an error,
// an upgrade or the end. Checks that consumed never exceeds what was fed.
inline DriveResult drive(Http1Parser& parser, std::string_view input,
                         const std::vector<std::size_t>& cuts) {
  DriveResult r;
  std::size_t piece_begin = 0;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(input.size());
  for (std::size_t end : ends) {
    if (end <= piece_begin || end > input.size()) {
      continue;  // empty piece: nothing to feed
    }
    std::string piece(input.substr(piece_begin, end - piece_begin));  // own buffer per feed
    std::size_t off = 0;
    while (true) {
      FeedResult fr = parser.feed(std::string_view(piece).substr(off));
      if (fr.consumed > piece.size() - off) {
        r.last = ParseStatus::Error;
        return r;
      }
      off += fr.consumed;
      r.consumed = piece_begin + off;
      r.last = fr.status;
      if (fr.status == ParseStatus::Paused) {
        r.stops.push_back(r.consumed);
        parser.resume();
        if (off == piece.size()) {
          break;
        }
        continue;
      }
      if (fr.status != ParseStatus::Ok) {
        return r;
      }
      break;
    }
    piece_begin = end;
  }
  return r;
}

inline DriveResult driveWhole(Http1Parser& parser, std::string_view input) {
  return drive(parser, input, {});
}

inline std::vector<std::size_t> randomCuts(std::size_t size, std::mt19937& rng, std::size_t n) {
  std::vector<std::size_t> cuts;
  if (size == 0) {
    return cuts;
  }
  std::uniform_int_distribution<std::size_t> pick(0, size);
  for (std::size_t i = 0; i < n; ++i) {
    cuts.push_back(pick(rng));
  }
  std::sort(cuts.begin(), cuts.end());
  return cuts;
}

}  // namespace pier::http::test
