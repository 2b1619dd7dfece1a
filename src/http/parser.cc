#include "http/parser.h"

#include <llhttp.h>

#include <string>

#include "base/strings.h"
#include "http/chunk_validator.h"

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
  llhttp_errno_t execute(const char* data, std::size_t len, std::size_t& stop);
  FeedResult failFromLlhttp(llhttp_errno_t err, std::size_t consumed);
  FeedResult failFraming(std::string_view reason, std::size_t consumed);
  int pauseAfterHead(int code, bool chunked);
  void noteConsumed(const char* data, std::size_t n);

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
  // llhttp pauses right after every head (head_pause) so that feed() learns where the head ended:
  // it checks the head's final CRLF there and, for a chunked body, starts `chunks`, which checks
  // every body byte before llhttp sees it. llhttp 8.1 accepts "\r<any byte>" or a bare LF as the
  // empty line ending a head or a trailer section, and does not look at the two bytes after chunk
  // data — all smuggling vectors.
  ChunkValidator chunks;
  bool head_pause = false;
  bool chunked_body_next = false;  // with head_pause: the body after the head is chunked
  BodyInfo head_body;              // with head_pause: what the sink receives with the head
  char last_two[2] = {0, 0};       // the last two bytes llhttp consumed, across buffers
  bool message_done = false;       // onMessageComplete ran during the current llhttp_execute
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
  chunks.stop();
  head_pause = false;
  chunked_body_next = false;
  last_two[0] = last_two[1] = 0;
  message_done = false;
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
  head_body = body;  // feed() hands the head to the sink once its end is checked
  return pauseAfterHead(0, body.kind == BodyKind::Chunked);
}

// Instead of returning `code` to llhttp (0 body as framed, 1 skip the body, 2 upgrade without
// body), applies its effect by hand, exactly as llhttp's on_headers_complete handling does, and
// returns HPE_PAUSED: llhttp_execute then stops with error_pos just after the head, and feed()
// checks the head's end and resumes at once (llhttp continues with after_headers_complete).
int Http1Parser::Impl::pauseAfterHead(int code, bool chunked) {
  if (code == 2) {
    ll.upgrade = 1;
  }
  if (code != 0) {
    ll.flags |= F_SKIPBODY;
  }
  head_pause = true;
  chunked_body_next = chunked;
  return HPE_PAUSED;
}

// Remembers the last two of the `n` bytes at `data` that llhttp just consumed.
void Http1Parser::Impl::noteConsumed(const char* data, std::size_t n) {
  if (n >= 2) {
    last_two[0] = data[n - 2];
    last_two[1] = data[n - 1];
  } else if (n == 1) {
    last_two[0] = last_two[1];
    last_two[1] = data[0];
  }
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
  head_body = body;  // feed() hands the head to the sink once its end is checked
  if (status == 101) {
    // No body; llhttp_execute returns HPE_PAUSED_UPGRADE after the message.
    return pauseAfterHead(2, false);
  }
  // 1: skip any body (1xx, 204, 304, HEAD).
  return pauseAfterHead(body.kind == BodyKind::None ? 1 : 0, body.kind == BodyKind::Chunked);
}

int Http1Parser::Impl::onBody(const char* at, std::size_t len) {
  sink.onBody(std::string_view(at, len));
  return 0;
}

int Http1Parser::Impl::onMessageComplete() {
  message_done = true;
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

  std::size_t off = 0;  // bytes of `bytes` that llhttp has consumed so far
  std::size_t stop = 0;
  llhttp_errno_t err = HPE_OK;
  while (true) {
    std::size_t len = bytes.size() - off;
    bool chunk_end_here = false;  // the chunked body ends at off + len
    if (chunks.active()) {
      // Check the framing first, so llhttp only ever parses body bytes already proven well
      // framed, and never sees the bytes after the body's end.
      ChunkValidator::Scan scan = chunks.scan(std::string_view(data + off, len));
      if (scan.result == ChunkValidator::Result::Error) {
        return failFraming(chunks.reason(), off + scan.consumed);
      }
      chunk_end_here = scan.result == ChunkValidator::Result::Done;
      len = scan.consumed;
    }
    err = execute(data + off, len, stop);
    noteConsumed(data + off, stop);
    stop += off;
    if (err == HPE_PAUSED && head_pause) {
      // A head ended at `stop`: its empty line must have been exactly CRLF (the field lines and the
      // start line are checked by llhttp).
      head_pause = false;
      if (last_two[0] != '\r' || last_two[1] != '\n') {
        return failFraming("header section not ended by CRLF", stop);
      }
      if (mode == Mode::Request) {
        sink.onRequestHead(std::move(request), head_body);
      } else {
        sink.onResponseHead(std::move(response), head_body);
      }
      llhttp_resume(&ll);
      if (chunked_body_next) {
        chunks.start();  // the body starts at `stop`
      }
      off = stop;
      continue;
    }
    if (chunks.active() || chunk_end_here) {
      // llhttp and the validator must agree on where the body ends: both at off + len, or
      // neither within this buffer.
      bool llhttp_done = message_done && (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE);
      if (err == HPE_OK || llhttp_done) {
        if (llhttp_done != chunk_end_here || (llhttp_done && stop != off + len)) {
          return failFraming("chunked body framing mismatch", stop);
        }
      }
      if (chunk_end_here || err != HPE_OK) {
        chunks.stop();
      }
    }
    break;
  }
  if (gap_open) {
    gap_newline = gap_newline || hasLineBreak(gap_start, buf_end);
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

// One llhttp_execute over [data, data + len). `stop` is set to where llhttp stopped, relative to
// `data` (len unless it paused or failed).
llhttp_errno_t Http1Parser::Impl::execute(const char* data, std::size_t len, std::size_t& stop) {
  message_done = false;
  llhttp_errno_t err = llhttp_execute(&ll, data, len);
  stop = len;
  if (err != HPE_OK) {
    const char* pos = llhttp_get_error_pos(&ll);
    if (pos != nullptr && pos >= data && pos <= data + len) {
      stop = static_cast<std::size_t>(pos - data);
    }
  }
  return err;
}

FeedResult Http1Parser::Impl::failFraming(std::string_view reason, std::size_t consumed) {
  chunks.stop();
  fail(badMessageStatus(), reason);
  state = State::Failed;
  return {consumed, ParseStatus::Error};
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
