// Streaming encoders for the compress middleware: gzip (zlib), brotli (libbrotlienc) and zstd
// (libzstd), behind one small interface so the middleware does not care which one it drives.
// Each write() ends with a flush, so everything written so far can be decoded by the client:
// server-sent events and other slow streams arrive event by event, not when a block fills.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pier::middleware {

enum class Encoding : std::uint8_t { Gzip, Brotli, Zstd };

// The Content-Encoding token: "gzip", "br", "zstd".
std::string_view encodingName(Encoding e);
// The inverse of encodingName (exact, as Traefik compares them); nullopt for anything else.
std::optional<Encoding> encodingFromName(std::string_view name);

class Encoder {
 public:
  virtual ~Encoder() = default;
  // Compresses `data` and flushes; appends the output to `out`. False on a codec error.
  virtual bool write(std::string_view data, std::string& out) = 0;
  // Ends the stream (trailer, checksum); appends the output to `out`.
  virtual bool finish(std::string& out) = 0;
};

// nullptr when the codec cannot allocate its state.
std::unique_ptr<Encoder> makeEncoder(Encoding e);

}  // namespace pier::middleware
