#include "providers/file/file_provider.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/log.h"
#include "config/dynamic_decode.h"
#include "config/dynamic_merge.h"

namespace pier::providers {
namespace {

// Editors and config tools write in several steps (truncate, write, rename); wait for them.
constexpr std::uint64_t kDebounceMs = 30;

bool isConfigFile(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  return ext == ".yml" || ext == ".yaml";
}

Result<std::string> readWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(Error::environment(path + ": cannot read the file"));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<config::DynamicConfig> loadFile(const std::string& path) {
  std::filesystem::path p(path);
  if (p.extension() == ".toml") {
    return fail(Error::config(path + ": TOML files are not supported yet; use YAML"));
  }
  auto text = readWhole(path);
  if (!text) {
    return fail(text.error());
  }
  return config::parseDynamicYaml(*text, path);
}

}  // namespace

FileProvider::FileProvider(uv_loop_t* loop, FileProviderSettings settings, Emit emit)
    : loop_(loop), settings_(std::move(settings)), emit_(std::move(emit)) {}

FileProvider::~FileProvider() {
  stop();
}

Result<config::DynamicConfig> FileProvider::load(const FileProviderSettings& settings) {
  if (!settings.filename.empty()) {
    return loadFile(settings.filename);
  }
  std::error_code ec;
  std::vector<std::string> files;
  for (auto it = std::filesystem::recursive_directory_iterator(settings.directory, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file() && isConfigFile(it->path())) {
      files.push_back(it->path().string());
    }
  }
  if (ec) {
    return fail(
        Error::environment(settings.directory + ": cannot list the directory: " + ec.message()));
  }
  std::sort(files.begin(), files.end());  // first definition wins, in path order (spec A.10)
  config::DynamicConfig merged;
  for (const std::string& f : files) {
    auto one = loadFile(f);
    if (!one) {
      return fail(one.error());
    }
    for (const std::string& w : config::mergeFirstWins(merged, *one)) {
      log::warn(f + ": " + w);
    }
  }
  return merged;
}

bool FileProvider::start() {
  if (settings_.watch) {
    std::filesystem::path target = settings_.filename.empty()
                                       ? std::filesystem::path(settings_.directory)
                                       : std::filesystem::path(settings_.filename).parent_path();
    if (target.empty()) {
      target = ".";
    }
    if (!settings_.filename.empty()) {
      watched_base_ = std::filesystem::path(settings_.filename).filename().string();
    }
    watcher_ = new uv_fs_event_t();
    uv_fs_event_init(loop_, watcher_);
    watcher_->data = this;
    int rc = uv_fs_event_start(watcher_, &FileProvider::fsEventCb, target.string().c_str(), 0);
    if (rc != 0) {
      log::error("file provider: cannot watch " + target.string() + ": " + uv_strerror(rc));
    }
    debounce_ = new uv_timer_t();
    uv_timer_init(loop_, debounce_);
    debounce_->data = this;
  }
  auto first = load(settings_);
  if (!first) {
    log::error("file provider: " + first.error().message);
    return false;
  }
  emit_(std::move(*first));
  return true;
}

void FileProvider::reload() {
  auto next = load(settings_);
  if (!next) {
    log::error("file provider: " + next.error().message +
               " (keeping the previous file configuration)");
    return;
  }
  emit_(std::move(*next));
}

void FileProvider::stop() {
  if (watcher_ != nullptr) {
    uv_fs_event_stop(watcher_);
    watcher_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(watcher_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_fs_event_t*>(h); });
    watcher_ = nullptr;
  }
  if (debounce_ != nullptr) {
    debounce_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(debounce_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    debounce_ = nullptr;
  }
}

void FileProvider::fsEventCb(uv_fs_event_t* handle, const char* filename, int, int status) {
  auto* self = static_cast<FileProvider*>(handle->data);
  if (self == nullptr || status != 0) {
    return;
  }
  if (!self->watched_base_.empty() && filename != nullptr && self->watched_base_ != filename) {
    return;  // another file in the same directory
  }
  self->scheduleReload();
}

void FileProvider::scheduleReload() {
  if (debounce_ != nullptr) {
    uv_timer_start(debounce_, &FileProvider::debounceCb, kDebounceMs, 0);
  }
}

void FileProvider::debounceCb(uv_timer_t* timer) {
  auto* self = static_cast<FileProvider*>(timer->data);
  if (self != nullptr) {
    self->reload();
  }
}

}  // namespace pier::providers
