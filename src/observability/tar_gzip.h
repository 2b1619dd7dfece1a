// A gzip-compressed tar archive of a few in-memory files (the API's /api/support-dump):
// POSIX ustar headers for regular files, mode 0600, owned by 0:0, then gzip (RFC 1952) from
// zlib. Enough for `tar xzf`, Python's tarfile and Go's archive/tar; no directories, links or
// long names.
// Thread: any; pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace pier::observability {

struct ArchiveFile {
  std::string name;  // at most 100 bytes, no leading '/'
  std::string content;
};

// The uncompressed archive: a 512-byte header per file, its content padded to 512 bytes, and
// the two zero blocks that end an archive. `mtime`: unix seconds for every file.
Result<std::string> tarArchive(const std::vector<ArchiveFile>& files, std::int64_t mtime);

// `data` as one gzip member (best compression is not worth the time: default level).
Result<std::string> gzipCompress(std::string_view data);

// tarArchive then gzipCompress.
Result<std::string> tarGzip(const std::vector<ArchiveFile>& files, std::int64_t mtime);

}  // namespace pier::observability
