// describe() for structs used by both the static and the dynamic schema. Internal to config/.
#pragma once

#include "config/decode.h"
#include "config/static_config.h"

namespace pier::config {

template <class V>
void describe(V& v, TlsDomain& t) {
  v("main", t.main);
  v("sans", t.sans);
}

template <class V>
void describe(V& v, ForwardingTimeouts& f) {
  v("dialTimeout", f.dial_timeout);
  v("responseHeaderTimeout", f.response_header_timeout);
  v("idleConnTimeout", f.idle_conn_timeout);
  v("readIdleTimeout", f.read_idle_timeout);
  v("pingTimeout", f.ping_timeout);
}

}  // namespace pier::config
