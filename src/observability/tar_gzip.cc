#include "observability/tar_gzip.h"

#include <zlib.h>

#include <cstring>

namespace pier::observability {
namespace {

constexpr std::size_t kBlock = 512;

// `value` in octal, zero-padded to width-1 digits and NUL-terminated, as ustar numbers are.
bool putOctal(char* field, std::size_t width, std::uint64_t value) {
  for (std::size_t i = width - 1; i-- > 0;) {
    field[i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
  field[width - 1] = '\0';
  return value == 0;  // false: did not fit
}

Result<std::string> header(const ArchiveFile& f, std::int64_t mtime) {
  if (f.name.empty() || f.name.size() > 100 || f.name.front() == '/') {
    return fail(Error::internal("tar: unusable file name \"" + f.name + "\""));
  }
  std::string h(kBlock, '\0');
  char* p = h.data();
  std::memcpy(p, f.name.data(), f.name.size());    // name[100]
  putOctal(p + 100, 8, 0600);                      // mode
  putOctal(p + 108, 8, 0);                         // uid
  putOctal(p + 116, 8, 0);                         // gid
  if (!putOctal(p + 124, 12, f.content.size())) {  // size
    return fail(Error::internal("tar: file \"" + f.name + "\" is too large"));
  }
  putOctal(p + 136, 12, static_cast<std::uint64_t>(mtime < 0 ? 0 : mtime));  // mtime
  p[156] = '0';                      // typeflag: regular file
  std::memcpy(p + 257, "ustar", 6);  // magic, NUL-terminated
  std::memcpy(p + 263, "00", 2);     // version
  std::memcpy(p + 265, "root", 4);   // uname
  std::memcpy(p + 297, "root", 4);   // gname
  // The checksum is the byte sum with its own field counted as eight spaces.
  std::memset(p + 148, ' ', 8);
  unsigned sum = 0;
  for (char c : h) {
    sum += static_cast<unsigned char>(c);
  }
  putOctal(p + 148, 7, sum);  // six digits, NUL, then the space already there
  return h;
}

}  // namespace

Result<std::string> tarArchive(const std::vector<ArchiveFile>& files, std::int64_t mtime) {
  std::string out;
  for (const ArchiveFile& f : files) {
    auto h = header(f, mtime);
    if (!h) {
      return fail(h.error());
    }
    out += *h;
    out += f.content;
    out.append((kBlock - f.content.size() % kBlock) % kBlock, '\0');
  }
  out.append(2 * kBlock, '\0');
  return out;
}

Result<std::string> gzipCompress(std::string_view data) {
  z_stream z{};
  // windowBits 15 + 16: a gzip wrapper instead of zlib's.
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return fail(Error::internal("gzip: cannot initialise zlib"));
  }
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  std::size_t written = out.size() - z.avail_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) {
    return fail(Error::internal("gzip: compression failed"));
  }
  out.resize(written);
  return out;
}

Result<std::string> tarGzip(const std::vector<ArchiveFile>& files, std::int64_t mtime) {
  auto tar = tarArchive(files, mtime);
  if (!tar) {
    return fail(tar.error());
  }
  return gzipCompress(*tar);
}

}  // namespace pier::observability
