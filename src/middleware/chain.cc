#include "middleware/chain.h"

#include <algorithm>

namespace pier::middleware {

Chain::Chain(std::vector<MiddlewarePtr> items) : items_(std::move(items)) {
  for (const MiddlewarePtr& m : items_) {
    response_hooks_ = response_hooks_ || m->hasResponseHook();
    needs_request_headers_ = needs_request_headers_ || m->needsRequestHeadersOnResponse();
    observes_exchange_end_ = observes_exchange_end_ || m->observesExchangeEnd();
    if (const RetryPolicy* p = m->retryPolicy(); p != nullptr) {
      retry_ = p;
    }
    may_suspend_ = may_suspend_ || m->maySuspend();
    intercepts_ = intercepts_ || m->interceptsResponses();
  }
}

ChainRun::ChainRun(ChainRun&& o) noexcept
    : chain_(o.chain_),
      ran_(o.ran_),
      cleanups_(std::move(o.cleanups_)),
      request_headers_(std::move(o.request_headers_)),
      method_(std::move(o.method_)),
      target_(std::move(o.target_)),
      extra_response_headers_(std::move(o.extra_response_headers_)),
      tls_(o.tls_),
      omit_forwarded_for_(o.omit_forwarded_for_) {
  o.chain_ = nullptr;
  o.cleanups_.clear();
}

ChainRun& ChainRun::operator=(ChainRun&& o) noexcept {
  if (this != &o) {
    finish();
    chain_ = o.chain_;
    ran_ = o.ran_;
    cleanups_ = std::move(o.cleanups_);
    request_headers_ = std::move(o.request_headers_);
    method_ = std::move(o.method_);
    target_ = std::move(o.target_);
    extra_response_headers_ = std::move(o.extra_response_headers_);
    tls_ = o.tls_;
    omit_forwarded_for_ = o.omit_forwarded_for_;
    o.chain_ = nullptr;
    o.cleanups_.clear();
  }
  return *this;
}

Verdict ChainRun::runRequest(const Chain& chain, RequestContext& ctx) {
  chain_ = &chain;
  const auto& items = chain.items();
  Verdict verdict = Verdict::Continue;
  while (ran_ < items.size()) {
    verdict = items[ran_]->onRequest(ctx);
    for (auto& c : ctx.cleanups) {
      cleanups_.push_back(std::move(c));
    }
    ctx.cleanups.clear();
    if (verdict != Verdict::Continue) {
      break;
    }
    ++ran_;
  }
  return settle(chain, ctx, verdict);
}

Verdict ChainRun::resume(RequestContext& ctx, Verdict outcome) {
  if (chain_ == nullptr) {
    return outcome;
  }
  for (auto& c : ctx.cleanups) {
    cleanups_.push_back(std::move(c));
  }
  ctx.cleanups.clear();
  if (outcome == Verdict::Continue) {
    ++ran_;
    return runRequest(*chain_, ctx);
  }
  return settle(*chain_, ctx, outcome);
}

Verdict ChainRun::settle(const Chain& chain, RequestContext& ctx, Verdict verdict) {
  omit_forwarded_for_ = ctx.omit_forwarded_for;
  if (!ctx.extra_response_headers.empty()) {
    for (const http::HeaderField& f : ctx.extra_response_headers) {
      extra_response_headers_.add(f.name, f.value);
    }
    ctx.extra_response_headers.clear();
  }
  if (chain.hasResponseHooks() || chain.interceptsResponses()) {
    method_ = ctx.head.method;
    tls_ = ctx.tls;
    if (chain.needsRequestHeadersOnResponse() || chain.interceptsResponses()) {
      request_headers_ = ctx.head.headers;
    }
    if (chain.interceptsResponses()) {
      target_ = ctx.head.target;
    }
  }
  if (verdict == Verdict::Answer && chain.hasResponseHooks()) {
    // The answering middleware's own hook does not run: it produced this response.
    http::ResponseHead head;
    head.status = ctx.answer.status;
    head.headers = std::move(ctx.answer.headers);
    runResponse(head);
    ctx.answer.headers = std::move(head.headers);
  }
  return verdict;
}

const Middleware* ChainRun::interceptorFor(int status) const {
  if (chain_ == nullptr || !chain_->interceptsResponses()) {
    return nullptr;
  }
  const auto& items = chain_->items();
  for (std::size_t i = std::min(ran_, items.size()); i-- > 0;) {
    if (items[i]->interceptsResponses() && items[i]->replacesStatus(status)) {
      return items[i].get();
    }
  }
  return nullptr;
}

std::unique_ptr<BodyFilter> ChainRun::runResponse(http::ResponseHead& head) const {
  std::unique_ptr<BodyFilter> filter;
  if (chain_ == nullptr || !chain_->hasResponseHooks()) {
    return filter;
  }
  ResponseContext rc;
  rc.request_headers = chain_->needsRequestHeadersOnResponse() ? &request_headers_ : nullptr;
  rc.method = method_;
  rc.tls = tls_;
  const auto& items = chain_->items();
  for (std::size_t i = std::min(ran_, items.size()); i-- > 0;) {
    if (items[i]->hasResponseHook()) {
      items[i]->onResponse(rc, head);
      if (filter == nullptr) {
        filter = items[i]->bodyFilter(rc, head);
      }
    }
  }
  for (const http::HeaderField& f : extra_response_headers_) {
    head.headers.add(f.name, f.value);
  }
  return filter;
}

void ChainRun::reportOutcome(const ExchangeOutcome& outcome) const {
  if (chain_ == nullptr || !chain_->observesExchangeEnd()) {
    return;
  }
  const auto& items = chain_->items();
  for (std::size_t i = 0; i < std::min(ran_, items.size()); ++i) {
    if (items[i]->observesExchangeEnd()) {
      items[i]->onExchangeEnd(outcome);
    }
  }
}

void ChainRun::finish() {
  for (auto& c : cleanups_) {
    c.owner->release(c.key);
  }
  cleanups_.clear();
  chain_ = nullptr;
  ran_ = 0;
  omit_forwarded_for_ = false;
}

}  // namespace pier::middleware
