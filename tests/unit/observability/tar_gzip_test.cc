// tar_gzip: the archive /api/support-dump returns, read back with zlib and the ustar layout.
#include "observability/tar_gzip.h"

#include <doctest/doctest.h>
#include <zlib.h>

#include <string>

namespace pier::observability {
namespace {

std::string gunzip(const std::string& gz) {
  z_stream z{};
  REQUIRE(inflateInit2(&z, 15 + 16) == Z_OK);
  std::string out;
  char buf[4096];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  }
  inflateEnd(&z);
  CHECK(rc == Z_STREAM_END);
  return out;
}

std::uint64_t octal(const std::string& block, std::size_t at, std::size_t width) {
  std::uint64_t v = 0;
  for (std::size_t i = at; i < at + width && block[i] >= '0' && block[i] <= '7'; ++i) {
    v = v * 8 + static_cast<std::uint64_t>(block[i] - '0');
  }
  return v;
}

TEST_CASE("tar: headers, padded contents and the end-of-archive blocks") {
  std::string big(700, 'x');
  auto tar = tarArchive({{"version.json", "{\"a\":1}"}, {"big.txt", big}}, 1700000000);
  REQUIRE(tar);
  // header + 1 block, header + 2 blocks, 2 end blocks
  REQUIRE(tar->size() == 512 * 7);
  std::string h = tar->substr(0, 512);
  CHECK(h.substr(0, 13) == std::string("version.json\0", 13));
  CHECK(octal(h, 100, 8) == 0600);
  CHECK(octal(h, 124, 12) == 7);
  CHECK(octal(h, 136, 12) == 1700000000);
  CHECK(h[156] == '0');
  CHECK(h.substr(257, 6) == std::string("ustar\0", 6));
  // The checksum: the header's byte sum with the checksum field read as spaces.
  std::string blanked = h;
  blanked.replace(148, 8, 8, ' ');
  unsigned sum = 0;
  for (char c : blanked) {
    sum += static_cast<unsigned char>(c);
  }
  CHECK(octal(h, 148, 8) == sum);
  CHECK(tar->substr(512, 7) == "{\"a\":1}");
  CHECK(tar->substr(519, 512 - 7) == std::string(505, '\0'));
  std::string h2 = tar->substr(1024, 512);
  CHECK(h2.substr(0, 8) == std::string("big.txt\0", 8));
  CHECK(octal(h2, 124, 12) == 700);
  CHECK(tar->substr(1536, 700) == big);
  CHECK(tar->substr(512 * 5) == std::string(1024, '\0'));
}

TEST_CASE("tar: an empty file list is just the end blocks; bad names are refused") {
  auto empty = tarArchive({}, 0);
  REQUIRE(empty);
  CHECK(*empty == std::string(1024, '\0'));
  CHECK_FALSE(tarArchive({{"", "x"}}, 0));
  CHECK_FALSE(tarArchive({{"/etc/passwd", "x"}}, 0));
  CHECK_FALSE(tarArchive({{std::string(101, 'n'), "x"}}, 0));
}

TEST_CASE("gzip: one member that zlib inflates back to the input") {
  std::string data;
  for (int i = 0; i < 5000; ++i) {
    data += "line " + std::to_string(i) + "\n";
  }
  auto gz = gzipCompress(data);
  REQUIRE(gz);
  REQUIRE(gz->size() > 10);
  CHECK(static_cast<unsigned char>((*gz)[0]) == 0x1f);
  CHECK(static_cast<unsigned char>((*gz)[1]) == 0x8b);
  CHECK(gz->size() < data.size());
  CHECK(gunzip(*gz) == data);
  auto both = tarGzip({{"a.json", "{}"}}, 5);
  REQUIRE(both);
  CHECK(gunzip(*both) == *tarArchive({{"a.json", "{}"}}, 5));
}

}  // namespace
}  // namespace pier::observability
