// Process-wide leveled logger. Thread-safe: each call writes one whole line with one write(2).
// Format "common": `2026-11-28T10:00:00Z INF message`; format "json": one JSON object per line.
#pragma once

#include <atomic>
#include <string>
#include <string_view>

namespace pier::log {

enum class Level : int { Trace = 0, Debug, Info, Warn, Error, Fatal, Panic, Off };

// Parses Traefik's level names (case-insensitive). Returns false when unknown.
bool parseLevel(std::string_view text, Level& out);

void setLevel(Level level);
void setJson(bool json);
bool enabled(Level level);

void write(Level level, std::string_view message);

inline void trace(std::string_view m) {
  write(Level::Trace, m);
}
inline void debug(std::string_view m) {
  write(Level::Debug, m);
}
inline void info(std::string_view m) {
  write(Level::Info, m);
}
inline void warn(std::string_view m) {
  write(Level::Warn, m);
}
inline void error(std::string_view m) {
  write(Level::Error, m);
}

}  // namespace pier::log
