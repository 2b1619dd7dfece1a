// libFuzzer target: HTTP/1.1 requests through Http1Parser at random split points.
#include <cstddef>
#include <cstdint>

#include "http1_fuzz_driver.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pier::http::fuzz::runHttp1Fuzz(pier::http::Http1Parser::Mode::Request, data, size);
  return 0;
}
