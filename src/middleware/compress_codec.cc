#include "middleware/compress_codec.h"

#include <brotli/encode.h>
#include <zlib.h>
#include <zstd.h>

namespace pier::middleware {
namespace {

// Levels: the defaults of the Go libraries Traefik uses (gzip 6, brotli 6, zstd 3), which trade
// ratio for speed the same way.
constexpr int kGzipLevel = 6;
constexpr int kBrotliQuality = 6;
constexpr int kZstdLevel = 3;
constexpr std::size_t kOutStep = 16 * 1024;

class GzipEncoder final : public Encoder {
 public:
  bool init() {
    // windowBits 15 + 16: a gzip wrapper (header and CRC-32 trailer) instead of zlib's.
    ok_ = deflateInit2(&z_, kGzipLevel, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    return ok_;
  }
  ~GzipEncoder() override {
    if (ok_) {
      deflateEnd(&z_);
    }
  }
  bool write(std::string_view data, std::string& out) override {
    return run(data, Z_SYNC_FLUSH, out);
  }
  bool finish(std::string& out) override { return run({}, Z_FINISH, out); }

 private:
  bool run(std::string_view data, int flush, std::string& out) {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z_.avail_in = static_cast<uInt>(data.size());
    for (;;) {
      std::size_t before = out.size();
      out.resize(before + kOutStep);
      z_.next_out = reinterpret_cast<Bytef*>(out.data() + before);
      z_.avail_out = static_cast<uInt>(kOutStep);
      int rc = deflate(&z_, flush);
      out.resize(before + (kOutStep - z_.avail_out));
      if (rc == Z_STREAM_END) {
        return true;
      }
      if (rc == Z_BUF_ERROR && flush != Z_FINISH) {
        return true;  // nothing left to flush (a flush with no new input)
      }
      if (rc != Z_OK) {
        return false;
      }
      // A flush is complete once deflate leaves room in the output.
      if (flush != Z_FINISH && z_.avail_out != 0) {
        return true;
      }
    }
  }

  z_stream z_{};
  bool ok_ = false;
};

class BrotliEncoder final : public Encoder {
 public:
  bool init() {
    state_ = BrotliEncoderCreateInstance(nullptr, nullptr, nullptr);
    if (state_ == nullptr) {
      return false;
    }
    BrotliEncoderSetParameter(state_, BROTLI_PARAM_QUALITY, kBrotliQuality);
    return true;
  }
  ~BrotliEncoder() override {
    if (state_ != nullptr) {
      BrotliEncoderDestroyInstance(state_);
    }
  }
  bool write(std::string_view data, std::string& out) override {
    return run(data, BROTLI_OPERATION_FLUSH, out);
  }
  bool finish(std::string& out) override { return run({}, BROTLI_OPERATION_FINISH, out); }

 private:
  bool run(std::string_view data, BrotliEncoderOperation op, std::string& out) {
    std::size_t avail_in = data.size();
    const auto* next_in = reinterpret_cast<const std::uint8_t*>(data.data());
    for (;;) {
      std::size_t avail_out = 0;
      if (!BrotliEncoderCompressStream(state_, op, &avail_in, &next_in, &avail_out, nullptr,
                                       nullptr)) {
        return false;
      }
      std::size_t size = 0;
      const std::uint8_t* produced = BrotliEncoderTakeOutput(state_, &size);
      out.append(reinterpret_cast<const char*>(produced), size);
      bool done =
          op == BROTLI_OPERATION_FINISH ? BrotliEncoderIsFinished(state_) != 0 : avail_in == 0;
      if (done && BrotliEncoderHasMoreOutput(state_) == 0) {
        return true;
      }
    }
  }

  BrotliEncoderState* state_ = nullptr;
};

class ZstdEncoder final : public Encoder {
 public:
  bool init() {
    ctx_ = ZSTD_createCCtx();
    if (ctx_ == nullptr) {
      return false;
    }
    return !ZSTD_isError(ZSTD_CCtx_setParameter(ctx_, ZSTD_c_compressionLevel, kZstdLevel)) &&
           !ZSTD_isError(ZSTD_CCtx_setParameter(ctx_, ZSTD_c_checksumFlag, 1));
  }
  ~ZstdEncoder() override { ZSTD_freeCCtx(ctx_); }
  bool write(std::string_view data, std::string& out) override {
    return run(data, ZSTD_e_flush, out);
  }
  bool finish(std::string& out) override { return run({}, ZSTD_e_end, out); }

 private:
  bool run(std::string_view data, ZSTD_EndDirective mode, std::string& out) {
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    for (;;) {
      std::size_t before = out.size();
      out.resize(before + kOutStep);
      ZSTD_outBuffer ob{out.data() + before, kOutStep, 0};
      std::size_t remaining = ZSTD_compressStream2(ctx_, &ob, &in, mode);
      out.resize(before + ob.pos);
      if (ZSTD_isError(remaining)) {
        return false;
      }
      if (remaining == 0 && in.pos == in.size) {
        return true;  // flushed (or, with ZSTD_e_end, the frame is complete)
      }
    }
  }

  ZSTD_CCtx* ctx_ = nullptr;
};

template <class T>
std::unique_ptr<Encoder> make() {
  auto e = std::make_unique<T>();
  if (!e->init()) {
    return nullptr;
  }
  return e;
}

}  // namespace

std::string_view encodingName(Encoding e) {
  switch (e) {
    case Encoding::Gzip:
      return "gzip";
    case Encoding::Brotli:
      return "br";
    case Encoding::Zstd:
      return "zstd";
  }
  return "gzip";
}

std::optional<Encoding> encodingFromName(std::string_view name) {
  for (Encoding e : {Encoding::Gzip, Encoding::Brotli, Encoding::Zstd}) {
    if (encodingName(e) == name) {
      return e;
    }
  }
  return std::nullopt;
}

std::unique_ptr<Encoder> makeEncoder(Encoding e) {
  switch (e) {
    case Encoding::Gzip:
      return make<GzipEncoder>();
    case Encoding::Brotli:
      return make<BrotliEncoder>();
    case Encoding::Zstd:
      return make<ZstdEncoder>();
  }
  return nullptr;
}

}  // namespace pier::middleware
