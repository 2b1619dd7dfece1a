// libFuzzer target: HTTP/1.1 responses through Http1Parser at random split points; bit 7 of the
// first byte says the response answers a HEAD request.
#include <cstddef>
#include <cstdint>

#include "http1_fuzz_driver.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pier::http::fuzz::runHttp1Fuzz(pier::http::Http1Parser::Mode::Response, data, size);
  return 0;
}
