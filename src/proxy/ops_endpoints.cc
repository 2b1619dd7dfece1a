// Internal services for operations (issue #5): live@internal (/live), ready@internal (/ready),
// prometheus@internal (/metrics) and api@internal (/api, /dashboard/), routed like ping@internal.
#include <chrono>
#include <thread>

#include "base/strings.h"
#include "observability/api_documents.h"
#include "observability/dashboard_assets.h"
#include "observability/health.h"
#include "observability/metrics_registry.h"
#include "proxy/client_connection.h"
#include "proxy/worker_context.h"

namespace pier::proxy {
namespace {

// A worker whose loop has not run its 100 ms sweep for this long is reported stuck.
constexpr std::int64_t kLiveThresholdMs = 2000;

// Test hook, only with PIER_TEST_HOOKS=1: `X-Pier-Test-Stall-Ms: N` on a /live request blocks
// this worker's loop for N ms (at most 30 s) before answering, to show /live failing.
void maybeStall(const ProcessState& process, const http::RequestHead& head) {
  if (!process.test_hooks) {
    return;
  }
  const std::string* v = head.headers.get("X-Pier-Test-Stall-Ms");
  unsigned long long ms = 0;
  if (v != nullptr && base::parseUint64(*v, ms)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(ms, 30000ULL)));
  }
}

std::string percentDecoded(std::string_view path) {
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && i + 2 < path.size() && base::hexValue(path[i + 1]) >= 0 &&
        base::hexValue(path[i + 2]) >= 0) {
      out += static_cast<char>(base::hexValue(path[i + 1]) * 16 + base::hexValue(path[i + 2]));
      i += 2;
    } else {
      out += path[i];
    }
  }
  return out;
}

}  // namespace

// The dashboard (api.dashboard) and its live counts, served by api@internal beside the API.
// False when `path` is neither: the API documents answer it.
bool ClientConnection::answerDashboard(const http::RequestHead& head, const std::string& path) {
  ProcessState& process = ctx_.process();
  bool get = head.method == "GET" || head.method == "HEAD";
  if (path == "/api/x-pier/stats" || path == "/api/x-pier/stats/") {
    if (process.metrics == nullptr || !get) {
      answerLocally(renderLocalReply(LocalReply::NotFound, false, ex_.head_request), false);
    } else {
      answerLocally(renderSimple(200, "application/json", process.metrics->routerTotalsJson(),
                                 "Cache-Control: no-store\r\n", false, ex_.head_request),
                    false);
    }
    return true;
  }
  if (path != "/" && path.rfind("/dashboard", 0) != 0) {
    return false;
  }
  std::string_view target = head.target;
  std::size_t q = target.find('?');
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  auto reply = process.api != nullptr && process.api->dashboard() && get
                   ? observability::dashboardReply(path, query)
                   : std::nullopt;
  if (!reply) {
    answerLocally(renderLocalReply(LocalReply::NotFound, false, ex_.head_request), false);
    return true;
  }
  answerLocally(renderSimple(reply->status, reply->content_type, reply->body, reply->headers, false,
                             ex_.head_request),
                false);
  return true;
}

void ClientConnection::answerOps(const runtime::ServiceSpec& service,
                                 const http::RequestHead& head) {
  ProcessState& process = ctx_.process();
  constexpr std::string_view kText = "text/plain; charset=utf-8";
  auto plain = [&](int code, std::string_view body) {
    answerLocally(renderSimple(code, kText, body, {}, false, ex_.head_request), false);
  };
  switch (service.kind) {
    case runtime::ServiceKind::Live: {
      maybeStall(process, head);
      std::string why =
          process.health != nullptr
              ? process.health->liveProblem(observability::Health::nowMs(), kLiveThresholdMs)
              : std::string();
      plain(why.empty() ? 200 : 503, why.empty() ? "OK" : why + "\n");
      return;
    }
    case runtime::ServiceKind::Ready: {
      std::string why;
      if (process.draining.load(std::memory_order_relaxed)) {
        why = "draining: shutting down";
      } else if (process.health != nullptr) {
        why = process.health->readyProblem();
      }
      plain(why.empty() ? 200 : 503, why.empty() ? "OK" : why + "\n");
      return;
    }
    case runtime::ServiceKind::Prometheus: {
      if (process.metrics == nullptr) {
        answerLocally(renderLocalReply(LocalReply::NotFound, false, ex_.head_request), false);
        return;
      }
      answerLocally(renderSimple(200, "text/plain; version=0.0.4; charset=utf-8",
                                 process.metrics->render(), {}, false, ex_.head_request),
                    false);
      return;
    }
    case runtime::ServiceKind::Api: {
      std::string path =
          percentDecoded(std::string_view(head.target).substr(0, head.target.find('?')));
      if (answerDashboard(head, path)) {
        return;
      }
      if (path.size() > 1 && path.back() == '/') {
        path.pop_back();
      }
      auto content = process.api != nullptr ? process.api->current() : nullptr;
      std::size_t q = head.target.find('?');
      std::string_view query =
          q == std::string::npos ? std::string_view() : std::string_view(head.target).substr(q + 1);
      auto answer = content && (head.method == "GET" || head.method == "HEAD")
                        ? observability::answerApi(*content, path, query)
                        : std::nullopt;
      if (!answer) {
        answerLocally(renderLocalReply(LocalReply::NotFound, false, ex_.head_request), false);
        return;
      }
      std::string headers =
          answer->next_page.empty() ? std::string() : "X-Next-Page: " + answer->next_page + "\r\n";
      headers += answer->headers;
      std::string type = !answer->content_type.empty() ? answer->content_type
                         : answer->json                ? "application/json"
                                                       : "text/plain; charset=utf-8";
      answerLocally(
          renderSimple(answer->status, type, answer->body, headers, false, ex_.head_request),
          false);
      return;
    }
    default:
      answerLocally(renderLocalReply(LocalReply::InternalError, false, ex_.head_request), false);
      return;
  }
}

}  // namespace pier::proxy
