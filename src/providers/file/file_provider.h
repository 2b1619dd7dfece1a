// File provider (spec A.10): one YAML file or a directory of them, re-read on change (libuv fs
// events on the directory, so atomic replace-by-rename is seen), debounced, and on SIGHUP.
// A file that fails to parse is reported as `file:line: what` and the provider keeps its last
// good configuration.
// Thread: control loop. Lifetime: owned by the server; stop() closes its handles.
#pragma once

#include <uv.h>

#include <functional>
#include <string>

#include "base/result.h"
#include "config/dynamic_model.h"

namespace pier::providers {

struct FileProviderSettings {
  std::string filename;  // exactly one of filename / directory
  std::string directory;
  bool watch = true;
};

class FileProvider {
 public:
  using Emit = std::function<void(config::DynamicConfig)>;

  FileProvider(uv_loop_t* loop, FileProviderSettings settings, Emit emit);
  ~FileProvider();
  FileProvider(const FileProvider&) = delete;
  FileProvider& operator=(const FileProvider&) = delete;

  // Reads once and starts watching. Returns false when the first read failed (logged); with
  // watch on, the provider keeps watching and applies the file once it becomes valid.
  bool start();
  // Re-reads now (SIGHUP).
  void reload();
  void stop();

  // Reads and parses without emitting: exposed for tests and `pier` config checks.
  static Result<config::DynamicConfig> load(const FileProviderSettings& settings);

 private:
  static void fsEventCb(uv_fs_event_t* handle, const char* filename, int events, int status);
  static void debounceCb(uv_timer_t* timer);
  void scheduleReload();

  uv_loop_t* loop_;
  FileProviderSettings settings_;
  Emit emit_;
  uv_fs_event_t* watcher_ = nullptr;
  uv_timer_t* debounce_ = nullptr;
  std::string watched_base_;  // file name to react to in filename mode
};

}  // namespace pier::providers
