#include "http/parser.h"

#include <llhttp.h>

#include <string>

#include "base/strings.h"

namespace pier::http {

namespace {

enum class State : std::uint8_t { Ready, Paused, Upgraded, Failed };

constexpr std::size_t kFieldOverhead = 4;  // ": " and CRLF, counted against max_header_bytes

bool hasLineBreak(const char* begin, const char* end) {
  for (const char* p = begin; p < end; ++p) {
    if (*p == '\r' || *p == '\n') {
      return true;
    }
  }
  return false;
}

}  // namespace

struct Http1Parser::Impl {
  Impl(Mode m, ParserSink& s, ParseLimits l) : mode(m), sink(s), limits(l) { init(); }

  void init();
  void clearMessage();
  int fail(int status, std::string_view reason);
  int badMessageStatus() const { return mode == Mode::Request ? 400 : 500; }
  int limitStatus() const { return mode == Mode::Request ? 431 : 500; }
  int countHeadBytes(std::size_t n);

  // llhttp callbacks (members; trampolines below).
  int onMessageBegin();
  int onSpan(std::string* target, const char* at, std::size_t len);
  int onHeaderField(const char* at, std::size_t len);
  int onHeaderValue(const char* at, std::size_t len);
  int onHeaderFieldComplete();
  int onHeaderValueComplete();
  int onHeadersComplete();
  int onRequestHeadersComplete();
  int onResponseHeadersComplete();
  int onBody(const char* at, std::size_t len);
  int onMessageComplete();

  FeedResult feed(std::string_view bytes);
  FeedResult failFromLlhttp(llhttp_errno_t err, std::size_t consumed);

  Mode mode;
  ParserSink& sink;
  ParseLimits limits;
  llhttp_t ll{};
  State state = State::Ready;
  int error_status = 0;
  std::string_view error_reason;

  RequestHead request;
  ResponseHead response;
  std::string field;
  std::string value;
  bool in_head = false;  // between message begin and headers complete
  // obs-fold detection (llhttp 8.1 accepts folds even in strict mode).
  bool value_started = false;
  const char* value_end = nullptr;  // end of the last value span of the current field
  const char* field_end = nullptr;  // end of the last field-name span in the current buffer
  bool gap_open = false;            // field name complete, no value span yet
  const char* gap_start = nullptr;  // where the bytes between name and value start
  bool gap_newline = false;         // a CR/LF was seen between name and value
  const char* buf_begin = nullptr;
  const char* buf_end = nullptr;
  std::size_t head_bytes = 0;
  std::size_t field_count = 0;
  bool no_body_next = false;
  bool finishing = false;
  bool message_keep_alive = true;  // of the message being parsed
  bool closed = false;             // a message with keep_alive == false completed
};

namespace {

Http1Parser::Impl& self(llhttp_t* p) {
  return *static_cast<Http1Parser::Impl*>(p->data);
}

int messageBeginCb(llhttp_t* p) {
  return self(p).onMessageBegin();
}
int methodCb(llhttp_t* p, const char* at, std::size_t n) {
  return self(p).onSpan(&self(p).request.method, at, n);
}
int urlCb(llhttp_t* p, const char* at, std::size_t n) {
  return self(p).onSpan(&self(p).request.target, at, n);
}
int statusCb(llhttp_t* p, const char* at, std::size_t n) {
  return self(p).onSpan(&self(p).response.reason, at, n);
}
int versionCb(llhttp_t* p, const char* at, std::size_t n) {
  return self(p).onSpan(nullptr, at, n);
}
int headerFieldCb(llhttp_t* p, const char* at, std::size_t n) {
  return self(p).onHeaderField(at, n);
}
int headerValueCb(llhttp_t* p, const char* at, std::size_t n) {
  return self(p).onHeaderValue(at, n);
}
int headerFieldCompleteCb(llhttp_t* p) {
  return self(p).onHeaderFieldComplete();
}
int headerValueCompleteCb(llhttp_t* p) {
  return self(p).onHeaderValueComplete();
}
int headersCompleteCb(llhttp_t* p) {
  return self(p).onHeadersComplete();
}
int bodyCb(llhttp_t* p, const char* at, std::size_t n) {
  return self(p).onBody(at, n);
}
int messageCompleteCb(llhttp_t* p) {
  return self(p).onMessageComplete();
}

const llhttp_settings_t& settings() {
  static const llhttp_settings_t s = [] {
    llhttp_settings_t v;
    llhttp_settings_init(&v);
    v.on_message_begin = messageBeginCb;
    v.on_method = methodCb;
    v.on_url = urlCb;
    v.on_status = statusCb;
    v.on_version = versionCb;
    v.on_header_field = headerFieldCb;
    v.on_header_value = headerValueCb;
    v.on_header_field_complete = headerFieldCompleteCb;
    v.on_header_value_complete = headerValueCompleteCb;
    v.on_headers_complete = headersCompleteCb;
    v.on_body = bodyCb;
    v.on_message_complete = messageCompleteCb;
    return v;
  }();
  return s;
}

}  // namespace

void Http1Parser::Impl::init() {
  // Strict: no llhttp_set_lenient_* call, ever.
  llhttp_init(&ll, mode == Mode::Request ? HTTP_REQUEST : HTTP_RESPONSE, &settings());
  ll.data = this;
  state = State::Ready;
  error_status = 0;
  error_reason = {};
  no_body_next = false;
  finishing = false;
  message_keep_alive = true;
  closed = false;
  clearMessage();
}

void Http1Parser::Impl::clearMessage() {
  request = RequestHead{};
  response = ResponseHead{};
  field.clear();
  value.clear();
  in_head = false;
  value_started = false;
  value_end = nullptr;
  field_end = nullptr;
  gap_open = false;
  gap_start = nullptr;
  gap_newline = false;
  head_bytes = 0;
  field_count = 0;
}

int Http1Parser::Impl::fail(int status, std::string_view reason) {
  error_status = status;
  error_reason = reason;
  return -1;
}

int Http1Parser::Impl::countHeadBytes(std::size_t n) {
  head_bytes += n;
  if (head_bytes > limits.max_header_bytes) {
    return fail(limitStatus(), in_head ? "header fields too large" : "trailer fields too large");
  }
  return 0;
}

int Http1Parser::Impl::onMessageBegin() {
  clearMessage();
  in_head = true;
  return 0;
}

int Http1Parser::Impl::onSpan(std::string* target, const char* at, std::size_t len) {
  if (target != nullptr) {
    target->append(at, len);
  }
  return countHeadBytes(len);
}

int Http1Parser::Impl::onHeaderField(const char* at, std::size_t len) {
  field.append(at, len);
  field_end = at + len;
  return countHeadBytes(len);
}

int Http1Parser::Impl::onHeaderValue(const char* at, std::size_t len) {
  // llhttp reports an obs-fold continuation as a second span of the same value, separated from
  // the first by the skipped CRLF; spans split only by a buffer boundary are adjacent. After an
  // empty first line the folded text arrives as the first span, with a CRLF before it.
  if (gap_open) {
    gap_open = false;
    if (len > 0 && (gap_newline || hasLineBreak(gap_start, at))) {
      return fail(badMessageStatus(), "obsolete line folding");
    }
  }
  if (value_started && at != value_end) {
    return fail(badMessageStatus(), "obsolete line folding");
  }
  value_started = true;
  value.append(at, len);
  value_end = at + len;
  return countHeadBytes(len);
}

int Http1Parser::Impl::onHeaderFieldComplete() {
  // llhttp accepts "Name :" and ": v"; RFC 9112 §5.1 says reject.
  if (!isHttpToken(field)) {
    return fail(badMessageStatus(), "invalid header field name");
  }
  gap_open = true;
  gap_start = field_end != nullptr ? field_end : buf_begin;
  gap_newline = false;
  if (++field_count > limits.max_header_count) {
    return fail(limitStatus(), "too many header fields");
  }
  return countHeadBytes(kFieldOverhead);
}

int Http1Parser::Impl::onHeaderValueComplete() {
  if (in_head) {
    HeaderMap& h = mode == Mode::Request ? request.headers : response.headers;
    h.add(field, base::trim(value));
  }
  field.clear();
  value.clear();
  value_started = false;
  value_end = nullptr;
  gap_open = false;
  return 0;
}

int Http1Parser::Impl::onHeadersComplete() {
  in_head = false;
  head_bytes = 0;  // trailers get their own budget
  field_count = 0;
  if (ll.http_major != 1 || ll.http_minor > 1) {
    return fail(mode == Mode::Request ? 505 : 500, "unsupported HTTP version");
  }
  return mode == Mode::Request ? onRequestHeadersComplete() : onResponseHeadersComplete();
}

int Http1Parser::Impl::onRequestHeadersComplete() {
  if (ll.method == HTTP_CONNECT) {
    return fail(501, "CONNECT not supported");
  }
  request.version_minor = ll.http_minor;
  BodyInfo body;
  FramingVerdict v = requestFraming(request, body);
  if (!v.ok()) {
    return fail(v.status, v.reason);
  }
  body.upgrade = ll.upgrade != 0;  // llhttp pauses on exactly this flag
  message_keep_alive = body.keep_alive || body.upgrade;
  sink.onRequestHead(std::move(request), body);
  return 0;
}

int Http1Parser::Impl::onResponseHeadersComplete() {
  response.status = ll.status_code;
  response.version_minor = ll.http_minor;
  if (response.status < 100 || response.status > 999) {
    return fail(500, "invalid status code");  // llhttp 8.1 accepts any digit count
  }
  bool interim = response.status / 100 == 1 && response.status != 101;
  bool no_body = no_body_next && !interim;
  BodyInfo body;
  FramingVerdict v = responseFraming(response, no_body, body);
  if (!v.ok()) {
    return fail(v.status, v.reason);
  }
  if (!interim) {
    no_body_next = false;
  }
  int status = response.status;
  message_keep_alive = body.keep_alive || body.upgrade || interim;
  sink.onResponseHead(std::move(response), body);
  if (status == 101) {
    return 2;  // no body; llhttp_execute returns HPE_PAUSED_UPGRADE after the message
  }
  return body.kind == BodyKind::None ? 1 : 0;  // 1: skip any body (1xx, 204, 304, HEAD)
}

int Http1Parser::Impl::onBody(const char* at, std::size_t len) {
  sink.onBody(std::string_view(at, len));
  return 0;
}

int Http1Parser::Impl::onMessageComplete() {
  closed = !message_keep_alive;
  sink.onMessageComplete();
  if (finishing || ll.upgrade != 0) {
    return 0;  // EOF, or llhttp pauses with HPE_PAUSED_UPGRADE right after this callback
  }
  return HPE_PAUSED;
}

FeedResult Http1Parser::Impl::failFromLlhttp(llhttp_errno_t err, std::size_t consumed) {
  state = State::Failed;
  if (error_status == 0) {
    error_status = badMessageStatus();
    const char* reason = llhttp_get_error_reason(&ll);
    error_reason = reason != nullptr ? reason : llhttp_errno_name(err);
  }
  return {consumed, ParseStatus::Error};
}

FeedResult Http1Parser::Impl::feed(std::string_view bytes) {
  switch (state) {
    case State::Failed:
      return {0, ParseStatus::Error};
    case State::Paused:
      return {0, ParseStatus::Paused};
    case State::Upgraded:
      return {0, ParseStatus::Upgrade};
    case State::Ready:
      break;
  }
  if (closed && !bytes.empty()) {
    fail(badMessageStatus(), "data after the last message of the connection");
    state = State::Failed;
    return {0, ParseStatus::Error};
  }
  const char* data = bytes.data() != nullptr ? bytes.data() : "";
  if (value_started) {
    // A value span that ended with the previous buffer may continue at the start of this one;
    // any other continuation is a fold (nullptr never equals a span pointer).
    value_end = value_end == buf_end ? data : nullptr;
  }
  field_end = nullptr;
  if (gap_open) {
    gap_start = data;
  }
  buf_begin = data;
  buf_end = data + bytes.size();
  llhttp_errno_t err = llhttp_execute(&ll, data, bytes.size());
  if (gap_open) {
    gap_newline = gap_newline || hasLineBreak(gap_start, buf_end);
  }
  std::size_t stop = bytes.size();
  if (err != HPE_OK) {
    const char* pos = llhttp_get_error_pos(&ll);
    if (pos != nullptr && pos >= data && pos <= buf_end) {
      stop = static_cast<std::size_t>(pos - data);
    }
  }
  switch (err) {
    case HPE_OK:
      return {bytes.size(), ParseStatus::Ok};
    case HPE_PAUSED:
      state = State::Paused;
      return {stop, ParseStatus::Paused};
    case HPE_PAUSED_UPGRADE:
      state = State::Upgraded;
      return {stop, ParseStatus::Upgrade};
    case HPE_PAUSED_H2_UPGRADE:
      fail(badMessageStatus(), "HTTP/2 preface on an HTTP/1 connection");
      return failFromLlhttp(err, stop);
    default:
      return failFromLlhttp(err, stop);
  }
}

Http1Parser::Http1Parser(Mode mode, ParserSink& sink, ParseLimits limits)
    : impl_(std::make_unique<Impl>(mode, sink, limits)) {}

Http1Parser::~Http1Parser() = default;

FeedResult Http1Parser::feed(std::string_view bytes) {
  return impl_->feed(bytes);
}

FeedResult Http1Parser::finishEof() {
  Impl& m = *impl_;
  if (m.state == State::Failed) {
    return {0, ParseStatus::Error};
  }
  if (m.state != State::Ready) {
    return {0, ParseStatus::Ok};  // message already complete (paused or upgraded)
  }
  m.finishing = true;
  llhttp_errno_t err = llhttp_finish(&m.ll);
  m.finishing = false;
  if (err == HPE_OK) {
    return {0, ParseStatus::Ok};
  }
  m.fail(m.mode == Mode::Request ? 400 : 502, "connection closed mid-message");
  return m.failFromLlhttp(err, 0);
}

void Http1Parser::resume() {
  Impl& m = *impl_;
  if (m.state == State::Paused) {
    llhttp_resume(&m.ll);
    m.state = State::Ready;
  } else if (m.state == State::Upgraded) {
    llhttp_resume_after_upgrade(&m.ll);
    m.state = State::Ready;
  }
}

void Http1Parser::expectNoBodyForNextResponse() {
  impl_->no_body_next = true;
}

void Http1Parser::reset() {
  impl_->init();
}

int Http1Parser::errorStatus() const {
  return impl_->state == State::Failed ? impl_->error_status : 0;
}

std::string_view Http1Parser::errorReason() const {
  return impl_->error_reason;
}

Http1Parser::Mode Http1Parser::mode() const {
  return impl_->mode;
}

}  // namespace pier::http
