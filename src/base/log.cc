#include "base/log.h"

#include "base/strings.h"

#include <unistd.h>

#include <cctype>
#include <ctime>
#include <string>

namespace pier::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::Error)};
std::atomic<bool> g_json{false};

const char* shortName(Level level) {
  switch (level) {
    case Level::Trace:
      return "TRC";
    case Level::Debug:
      return "DBG";
    case Level::Info:
      return "INF";
    case Level::Warn:
      return "WRN";
    case Level::Error:
      return "ERR";
    case Level::Fatal:
      return "FTL";
    case Level::Panic:
      return "PNC";
    case Level::Off:
      return "OFF";
  }
  return "???";
}

const char* jsonName(Level level) {
  switch (level) {
    case Level::Trace:
      return "trace";
    case Level::Debug:
      return "debug";
    case Level::Info:
      return "info";
    case Level::Warn:
      return "warn";
    case Level::Error:
      return "error";
    case Level::Fatal:
      return "fatal";
    case Level::Panic:
      return "panic";
    case Level::Off:
      return "off";
  }
  return "unknown";
}

}  // namespace

bool parseLevel(std::string_view text, Level& out) {
  std::string lower;
  for (char c : text)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static constexpr std::pair<std::string_view, Level> kNames[] = {
      {"trace", Level::Trace}, {"debug", Level::Debug}, {"info", Level::Info},
      {"warn", Level::Warn},   {"error", Level::Error}, {"fatal", Level::Fatal},
      {"panic", Level::Panic},
  };
  for (const auto& [name, level] : kNames) {
    if (lower == name) {
      out = level;
      return true;
    }
  }
  return false;
}

void setLevel(Level level) {
  g_level.store(static_cast<int>(level), std::memory_order_relaxed);
}
void setJson(bool json) {
  g_json.store(json, std::memory_order_relaxed);
}
bool enabled(Level level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

void write(Level level, std::string_view message) {
  if (!enabled(level)) {
    return;
  }
  char stamp[32];
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string line;
  line.reserve(message.size() + 48);
  if (g_json.load(std::memory_order_relaxed)) {
    line += "{\"level\":\"";
    line += jsonName(level);
    line += "\",\"time\":\"";
    line += stamp;
    line += "\",\"message\":";
    base::appendJsonString(line, message);
    line += "}\n";
  } else {
    line += stamp;
    line += ' ';
    line += shortName(level);
    line += ' ';
    line += message;
    line += '\n';
  }
  // One write per line keeps lines from different threads whole.
  ssize_t rc = ::write(STDOUT_FILENO, line.data(), line.size());
  (void)rc;
}

}  // namespace pier::log
