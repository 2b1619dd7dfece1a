// Small SHA-1 / SHA-256 implementations for the test backend (no third-party code, static-link
// friendly).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace testbackend {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t len);
  std::array<uint8_t, 32> finish();
  std::string hexDigest();

 private:
  void block(const uint8_t* p);
  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buf_{};
  size_t bufLen_ = 0;
  uint64_t total_ = 0;
};

std::array<uint8_t, 20> sha1(std::string_view data);
std::string base64(const uint8_t* data, size_t len);

}  // namespace testbackend
