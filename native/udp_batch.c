// Batched UDP I/O for zonecast's DNS listener: one recvmmsg(2) takes up to BATCH datagrams, ONE call into
// JS answers them all, and one sendmmsg(2) sends the replies. Node's dgram makes a syscall and a JS call per
// datagram each way; at 100k+ queries/s those dominate (most of a send is the wakeup of the reader on the
// other core, which sendmmsg pays once per batch instead of once per datagram).
//
// Memory shared with JS (ArrayBuffers created once per socket):
//   input   BATCH slots of SLOT bytes: datagram i is received at i * SLOT (recvmmsg needs one fixed buffer
//           per message, each large enough for any UDP payload).
//   output  replies packed one after the other, written by JS.
//   meta    Int32Array of 3 * BATCH: [0, B) received lengths (set here), [B, 2B) reply offsets in output and
//           [2B, 3B) reply lengths (set by JS; 0 = no reply).
// The peers' addresses stay here: each reply goes to the address its request came from.
//
// The fd is watched with a uv_poll_t on the loop of the JS thread that opened it, so there is no thread of
// its own and no locking. Nothing is global: every worker thread (answer-threads.ts) loads the addon into
// its own environment and its sockets live and die with that thread (the cleanup hook below).
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
// 65535 is the largest UDP payload an IP packet can carry, so no datagram is ever cut short (MSG_TRUNC).
#define SLOT 65536
// recvmmsg rounds per wakeup: bounds how long timers and TCP wait behind a flood (16 * 64 datagrams).
#define MAX_ROUNDS 16

typedef struct {
  napi_env env;
  int fd;                      // -1 once closed
  int polling;                 // uv_poll_init done and uv_close not called yet
  int handle_closed;           // no uv handle in use any more (never started, or its close callback ran)
  int finalized;               // the JS handle is gone: the last of the two frees this struct
  uv_poll_t poll;
  napi_ref self;               // strong while polling: an open socket stays alive like a dgram socket
  napi_ref on_batch;
  napi_ref on_error;
  napi_ref buffers[3];         // input, output, meta: their memory is used from here
  napi_async_context async_context;
  napi_async_cleanup_hook_handle cleanup;
  uint8_t *input;
  uint8_t *output;
  int32_t *meta;
  unsigned pending;            // replies of the current batch in send_msgs
  unsigned sent;               // ... of which sent (sent < pending: waiting for the socket to be writable)
  struct mmsghdr recv_msgs[BATCH];
  struct iovec recv_iov[BATCH];
  struct sockaddr_storage peers[BATCH];
  struct mmsghdr send_msgs[BATCH];
  struct iovec send_iov[BATCH];
} batch_socket;

// ---- errors ------------------------------------------------------------------------------------------

// Node-style system error: message "bind EADDRINUSE 127.0.0.1:53", with code, errno and syscall properties.
static napi_value errno_error(napi_env env, const char *syscall, int err, const char *detail) {
  char code[64], message[512];
  uv_err_name_r(-err, code, sizeof code); // uv_err_name() would leak a string for unknown codes
  snprintf(message, sizeof message, "%s %s%s%s", syscall, code, detail ? " " : "", detail ? detail : "");
  napi_value code_value, message_value, error, errno_value, syscall_value;
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_value);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &message_value);
  napi_create_error(env, code_value, message_value, &error);
  napi_create_int32(env, -err, &errno_value);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_value);
  napi_set_named_property(env, error, "errno", errno_value);
  napi_set_named_property(env, error, "syscall", syscall_value);
  return error;
}

static napi_value throw_errno(napi_env env, const char *syscall, int err, const char *detail) {
  napi_throw(env, errno_error(env, syscall, err, detail));
  return NULL;
}

// Hands an error to the JS error callback. Nothing thrown from here may reach Node's uncaught-exception
// path (it would end the process), so an exception from the callback itself is cleared and dropped.
static void report(batch_socket *s, napi_value error) {
  napi_env env = s->env;
  napi_value callback, undefined, ignored;
  if (s->on_error == NULL || napi_get_reference_value(env, s->on_error, &callback) != napi_ok) return;
  napi_get_undefined(env, &undefined);
  if (napi_call_function(env, undefined, callback, 1, &error, NULL) == napi_pending_exception) {
    napi_get_and_clear_last_exception(env, &ignored);
  }
}

static void report_errno(batch_socket *s, const char *syscall, int err) {
  report(s, errno_error(s->env, syscall, err, NULL));
}

// ---- argument helpers --------------------------------------------------------------------------------

#define CHECK_NAPI(env, call)                                                        \
  do {                                                                               \
    if ((call) != napi_ok) {                                                         \
      const napi_extended_error_info *info;                                          \
      napi_get_last_error_info((env), &info);                                        \
      bool pending;                                                                  \
      napi_is_exception_pending((env), &pending);                                    \
      if (!pending) napi_throw_error((env), NULL, info->error_message ? info->error_message : #call); \
      return NULL;                                                                   \
    }                                                                                \
  } while (0)

static napi_value type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return NULL;
}

static napi_value range_error(napi_env env, const char *message) {
  napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
  return NULL;
}

static int is_type(napi_env env, napi_value value, napi_valuetype expected) {
  napi_valuetype type;
  return napi_typeof(env, value, &type) == napi_ok && type == expected;
}

// Marks the objects open() returns, so that no other wrapped object is ever taken for one of ours.
static const napi_type_tag HANDLE_TAG = {0x7a6f6e6563617374ULL, 0x7564705f62617463ULL};

// The handle every other function takes: the object that open() returned. A plain object rather than an
// external, because it is also the async resource of the JS calls (napi_async_init wants an object).
static batch_socket *unwrap(napi_env env, napi_value handle) {
  void *data = NULL;
  bool tagged = false;
  if (handle == NULL || !is_type(env, handle, napi_object) ||
      napi_check_object_type_tag(env, handle, &HANDLE_TAG, &tagged) != napi_ok || !tagged ||
      napi_unwrap(env, handle, &data) != napi_ok || data == NULL) {
    type_error(env, "expected a handle from open()");
    return NULL;
  }
  return data;
}

// ---- closing -----------------------------------------------------------------------------------------

static void on_handle_closed(uv_handle_t *handle) {
  batch_socket *s = handle->data;
  s->handle_closed = 1;
  napi_remove_async_cleanup_hook(s->cleanup);
  if (s->finalized) free(s);
}

// Idempotent. uv_close stops polling at once (the fd leaves epoll), so the fd can be closed right away and
// the port is free when close() returns; the uv handle's memory is released in its close callback.
static void close_socket(batch_socket *s) {
  napi_env env = s->env;
  if (s->fd < 0) return;
  if (s->polling) {
    s->polling = 0;
    uv_close((uv_handle_t *)&s->poll, on_handle_closed);
    napi_async_destroy(env, s->async_context);
  }
  close(s->fd);
  s->fd = -1;
  napi_ref *refs[] = {&s->self, &s->on_batch, &s->on_error, &s->buffers[0], &s->buffers[1], &s->buffers[2]};
  for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
    if (*refs[i] != NULL) napi_delete_reference(env, *refs[i]);
    *refs[i] = NULL;
  }
}

// Node tears the environment down (worker exit): close, and let Node wait for the uv handle's close
// callback, which removes this hook.
static void on_env_cleanup(napi_async_cleanup_hook_handle hook, void *data) {
  (void)hook;
  close_socket(data);
}

// A fallback: while polling, the strong self reference keeps the handle alive, so this normally runs after
// close(). Should the environment go away first, the socket is closed here.
static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  batch_socket *s = data;
  close_socket(s);
  s->finalized = 1;
  if (s->handle_closed) free(s);
}

// ---- the receive, answer, send cycle -----------------------------------------------------------------

// One recvmmsg: returns the number of datagrams received, 0 when none is waiting, -1 on an error (reported).
static int receive(batch_socket *s) {
  for (int i = 0; i < BATCH; i++) s->recv_msgs[i].msg_hdr.msg_namelen = sizeof s->peers[i]; // the kernel writes it back
  int n;
  do n = recvmmsg(s->fd, s->recv_msgs, BATCH, 0, NULL);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    report_errno(s, "recvmmsg", errno);
    return -1;
  }
  for (int i = 0; i < n; i++) s->meta[i] = (int32_t)s->recv_msgs[i].msg_len;
  return n;
}

// Calls the JS batch callback; returns 0 when it threw (the batch is then dropped: its reply table may be
// half written) and the exception goes to the error callback instead of crashing the process.
static int answer(batch_socket *s, int n) {
  napi_env env = s->env;
  napi_value callback, undefined, count, exception;
  if (napi_get_reference_value(env, s->on_batch, &callback) != napi_ok) return 0;
  napi_get_undefined(env, &undefined);
  napi_create_int32(env, n, &count);
  if (napi_call_function(env, undefined, callback, 1, &count, NULL) == napi_ok) return 1;
  if (napi_get_and_clear_last_exception(env, &exception) == napi_ok) report(s, exception);
  return 0;
}

// Queues the replies JS wrote into send_msgs, each to the peer its request came from. Offsets and lengths
// come from JS and are checked, so that a bug there cannot make us read outside the output buffer.
static void queue_replies(batch_socket *s, int n) {
  const int32_t *offsets = s->meta + BATCH, *lengths = s->meta + 2 * BATCH;
  unsigned queued = 0;
  for (int i = 0; i < n; i++) {
    int32_t off = offsets[i], len = lengths[i];
    if (len <= 0 || off < 0 || (size_t)off + (size_t)len > (size_t)BATCH * SLOT) continue;
    s->send_iov[queued].iov_base = s->output + off;
    s->send_iov[queued].iov_len = (size_t)len;
    struct msghdr *h = &s->send_msgs[queued].msg_hdr;
    h->msg_name = &s->peers[i];
    h->msg_namelen = s->recv_msgs[i].msg_hdr.msg_namelen;
    queued++;
  }
  s->pending = queued;
  s->sent = 0;
}

// sendmmsg until the queue is empty. Returns 0 when the socket buffer is full (EAGAIN): the rest waits for
// UV_WRITABLE. sendmmsg returns how many messages went out; fewer than asked means the next one failed
// (the error code is lost), and retrying from there yields -1 with that error. Any error other than EAGAIN
// concerns that one datagram (EMSGSIZE, EPERM from a firewall, an unreachable peer): it is reported and
// dropped, as UDP may drop.
static int flush(batch_socket *s) {
  while (s->sent < s->pending && s->fd >= 0) { // an error callback may close the socket
    int n = sendmmsg(s->fd, s->send_msgs + s->sent, s->pending - s->sent, 0);
    if (n > 0) {
      s->sent += (unsigned)n;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return 0;
    } else if (n == 0 || errno != EINTR) {
      report_errno(s, "sendmmsg", n == 0 ? EIO : errno);
      s->sent++;
    }
  }
  return 1;
}

static void on_poll(uv_poll_t *poll, int status, int events);

// Receive, answer and send until the socket is drained, or MAX_ROUNDS batches, or it is closed from JS.
static void serve(batch_socket *s, int events) {
  if (s->sent < s->pending) {
    if (!(events & UV_WRITABLE) || !flush(s) || s->fd < 0) return;
    uv_poll_start(&s->poll, UV_READABLE, on_poll);
  }
  for (int round = 0; round < MAX_ROUNDS; round++) {
    int n = receive(s);
    if (n <= 0) return;
    int answered = answer(s, n);
    if (s->fd < 0) return; // closed by the callback: the fd number may already belong to someone else
    if (answered) {
      queue_replies(s, n);
      if (!flush(s) || s->fd < 0) {
        if (s->fd >= 0) uv_poll_start(&s->poll, UV_WRITABLE, on_poll); // stop reading until the replies are out
        return;
      }
    }
    // A short batch means the receive queue was empty a moment ago: back to the loop rather than pay a
    // recvmmsg that most likely returns EAGAIN. Level-triggered polling brings us back if more arrived.
    if (n < BATCH) return;
  }
}

// libuv stops a poll handle when epoll reports EPOLLERR (a pending socket error) and passes UV_EBADF.
// Reading SO_ERROR clears the error; report it and keep serving.
static void recover(batch_socket *s) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
  report_errno(s, "poll", err ? err : EIO);
  if (s->fd >= 0) uv_poll_start(&s->poll, s->sent < s->pending ? UV_WRITABLE : UV_READABLE, on_poll);
}

// The JS calls of one wakeup share one callback scope: process.nextTick callbacks and microtasks queued by
// the handler run when it closes, as after any other I/O callback in Node.
static void on_poll(uv_poll_t *poll, int status, int events) {
  batch_socket *s = poll->data;
  napi_env env = s->env;
  napi_handle_scope handles;
  napi_callback_scope scope;
  napi_value resource;
  if (napi_open_handle_scope(env, &handles) != napi_ok) return;
  if (napi_get_reference_value(env, s->self, &resource) == napi_ok &&
      napi_open_callback_scope(env, resource, s->async_context, &scope) == napi_ok) {
    if (status < 0) recover(s);
    else serve(s, events);
    napi_close_callback_scope(env, scope);
  }
  napi_close_handle_scope(env, handles);
}

// ---- exported functions ------------------------------------------------------------------------------

// Parses an IP literal (IPv6 may carry a %scope) into `addr`; getaddrinfo with AI_NUMERICHOST never
// resolves names, so this cannot block.
static int parse_address(const char *host, int port, int ipv6, struct sockaddr_storage *addr, socklen_t *len) {
  struct addrinfo hints = {0}, *result;
  hints.ai_family = ipv6 ? AF_INET6 : AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICHOST;
  if (getaddrinfo(host, NULL, &hints, &result) != 0) return 0;
  memcpy(addr, result->ai_addr, result->ai_addrlen);
  *len = result->ai_addrlen;
  freeaddrinfo(result);
  if (ipv6) ((struct sockaddr_in6 *)addr)->sin6_port = htons((uint16_t)port);
  else ((struct sockaddr_in *)addr)->sin_port = htons((uint16_t)port);
  return 1;
}

// A bound, non-blocking UDP socket, or -errno. IPv6 sockets are IPV6_V6ONLY, as zonecast's dgram sockets:
// [::] serves IPv6 only, and 0.0.0.0 can be bound beside it. No SO_REUSEADDR: on Linux it lets a second UDP
// socket bind the same address and port and take part of the traffic, where EADDRINUSE is the useful answer.
// SO_REUSEPORT only when asked: answering threads each bind the address on purpose, and the kernel spreads
// datagrams over them by the peer's address and port (only sockets of the same user may join the group).
static int bind_socket(const struct sockaddr_storage *addr, socklen_t len, int ipv6, int recv_buffer, int reuse_port) {
  int one = 1;
  int fd = socket(addr->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  if ((ipv6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) ||
      (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) ||
      // The kernel caps SO_RCVBUF at net.core.rmem_max without failing.
      (recv_buffer > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &recv_buffer, sizeof recv_buffer) < 0) ||
      bind(fd, (const struct sockaddr *)addr, len) < 0) {
    int err = errno;
    close(fd);
    return -err;
  }
  return fd;
}

// open(host: string, port: number, ipv6: boolean, recvBufferBytes: number, reusePort: boolean) -> handle
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5 || !is_type(env, argv[0], napi_string) || !is_type(env, argv[1], napi_number) ||
      !is_type(env, argv[2], napi_boolean) || !is_type(env, argv[3], napi_number) || !is_type(env, argv[4], napi_boolean)) {
    return type_error(env, "open(host: string, port: number, ipv6: boolean, recvBufferBytes: number, reusePort: boolean)");
  }
  char host[INET6_ADDRSTRLEN + 64];
  size_t host_len;
  double port, recv_buffer;
  bool ipv6, reuse_port;
  CHECK_NAPI(env, napi_get_value_string_utf8(env, argv[0], host, sizeof host, &host_len));
  CHECK_NAPI(env, napi_get_value_double(env, argv[1], &port));
  CHECK_NAPI(env, napi_get_value_bool(env, argv[2], &ipv6));
  CHECK_NAPI(env, napi_get_value_double(env, argv[3], &recv_buffer));
  CHECK_NAPI(env, napi_get_value_bool(env, argv[4], &reuse_port));
  if (!(port >= 0 && port <= 65535) || port != (int)port) return range_error(env, "port must be an integer 0..65535");
  if (!(recv_buffer >= 0 && recv_buffer <= INT32_MAX)) return range_error(env, "recvBufferBytes must be 0..2^31-1");

  struct sockaddr_storage addr;
  socklen_t addr_len;
  if (host_len == sizeof host - 1 || !parse_address(host, (int)port, ipv6, &addr, &addr_len)) {
    return type_error(env, ipv6 ? "host is not an IPv6 address" : "host is not an IPv4 address");
  }
  int fd = bind_socket(&addr, addr_len, ipv6, (int)recv_buffer, reuse_port);
  if (fd < 0) {
    char where[sizeof host + 16];
    snprintf(where, sizeof where, ipv6 ? "[%s]:%d" : "%s:%d", host, (int)port);
    return throw_errno(env, "bind", -fd, where);
  }

  batch_socket *s = calloc(1, sizeof *s);
  napi_value handle;
  if (s == NULL) {
    close(fd);
    return throw_errno(env, "open", ENOMEM, NULL);
  }
  s->env = env;
  s->fd = fd;
  s->handle_closed = 1;
  if (napi_create_object(env, &handle) != napi_ok || napi_type_tag_object(env, handle, &HANDLE_TAG) != napi_ok ||
      napi_wrap(env, handle, s, finalize, NULL, NULL) != napi_ok) {
    close(fd);
    free(s);
    return throw_errno(env, "open", ENOMEM, NULL);
  }
  return handle;
}

// One ArrayBuffer shared with JS, kept alive from here while the socket is open.
static napi_value shared_buffer(napi_env env, size_t bytes, napi_ref *ref, void **data) {
  napi_value buffer;
  CHECK_NAPI(env, napi_create_arraybuffer(env, bytes, data, &buffer));
  CHECK_NAPI(env, napi_create_reference(env, buffer, 1, ref));
  return buffer;
}

static void init_messages(batch_socket *s) {
  for (int i = 0; i < BATCH; i++) {
    s->recv_iov[i].iov_base = s->input + (size_t)i * SLOT;
    s->recv_iov[i].iov_len = SLOT;
    s->recv_msgs[i].msg_hdr.msg_name = &s->peers[i];
    s->recv_msgs[i].msg_hdr.msg_iov = &s->recv_iov[i];
    s->recv_msgs[i].msg_hdr.msg_iovlen = 1;
    s->send_msgs[i].msg_hdr.msg_iov = &s->send_iov[i];
    s->send_msgs[i].msg_hdr.msg_iovlen = 1;
  }
}

static napi_value set_number(napi_env env, napi_value object, const char *name, double value) {
  napi_value v;
  CHECK_NAPI(env, napi_create_double(env, value, &v));
  CHECK_NAPI(env, napi_set_named_property(env, object, name, v));
  return object;
}

// start(handle, onBatch: (count) => void, onError: (err) => void)
//   -> { input: ArrayBuffer, output: ArrayBuffer, meta: ArrayBuffer, batch: number, slot: number }
static napi_value js_start(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], handle, input, output, meta, result, name;
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  batch_socket *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  if (argc < 3 || !is_type(env, argv[1], napi_function) || !is_type(env, argv[2], napi_function)) {
    return type_error(env, "start(handle, onBatch: function, onError: function)");
  }
  if (s->fd < 0 || s->buffers[0] != NULL) {
    napi_throw_error(env, "ERR_SOCKET_DGRAM_NOT_RUNNING", s->fd < 0 ? "socket is closed" : "socket already started");
    return NULL;
  }
  handle = argv[0];
  uv_loop_t *loop;
  CHECK_NAPI(env, napi_get_uv_event_loop(env, &loop));
  if ((input = shared_buffer(env, (size_t)BATCH * SLOT, &s->buffers[0], (void **)&s->input)) == NULL ||
      (output = shared_buffer(env, (size_t)BATCH * SLOT, &s->buffers[1], (void **)&s->output)) == NULL ||
      (meta = shared_buffer(env, 3 * BATCH * sizeof(int32_t), &s->buffers[2], (void **)&s->meta)) == NULL) {
    return NULL;
  }
  init_messages(s);
  CHECK_NAPI(env, napi_create_reference(env, argv[1], 1, &s->on_batch));
  CHECK_NAPI(env, napi_create_reference(env, argv[2], 1, &s->on_error));
  CHECK_NAPI(env, napi_create_string_utf8(env, "zonecast:UdpBatch", NAPI_AUTO_LENGTH, &name));
  CHECK_NAPI(env, napi_async_init(env, handle, name, &s->async_context));
  int err = uv_poll_init_socket(loop, &s->poll, s->fd);
  if (err < 0) {
    napi_async_destroy(env, s->async_context);
    return throw_errno(env, "uv_poll_init", -err, NULL);
  }
  s->poll.data = s;
  s->polling = 1;
  s->handle_closed = 0;
  CHECK_NAPI(env, napi_create_reference(env, handle, 1, &s->self));
  CHECK_NAPI(env, napi_add_async_cleanup_hook(env, on_env_cleanup, s, &s->cleanup));
  if ((err = uv_poll_start(&s->poll, UV_READABLE, on_poll)) < 0) return throw_errno(env, "uv_poll_start", -err, NULL);

  CHECK_NAPI(env, napi_create_object(env, &result));
  CHECK_NAPI(env, napi_set_named_property(env, result, "input", input));
  CHECK_NAPI(env, napi_set_named_property(env, result, "output", output));
  CHECK_NAPI(env, napi_set_named_property(env, result, "meta", meta));
  if (set_number(env, result, "batch", BATCH) == NULL || set_number(env, result, "slot", SLOT) == NULL) return NULL;
  return result;
}

// The IP of an IPv4 or IPv6 socket address as text (an empty string for anything else).
static void format_ip(const struct sockaddr_storage *addr, char *buf, size_t len) {
  const void *ip = addr->ss_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)addr)->sin6_addr
                                                : (const void *)&((const struct sockaddr_in *)addr)->sin_addr;
  buf[0] = '\0';
  if (addr->ss_family == AF_INET6 || addr->ss_family == AF_INET) inet_ntop(addr->ss_family, ip, buf, (socklen_t)len);
}

// address(handle) -> { address: string, family: 'IPv4' | 'IPv6', port: number }, as dgram's address()
static napi_value js_address(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result, text, family;
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  batch_socket *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  if (s->fd < 0) return throw_errno(env, "getsockname", EBADF, NULL);
  struct sockaddr_storage addr;
  socklen_t len = sizeof addr;
  if (getsockname(s->fd, (struct sockaddr *)&addr, &len) < 0) return throw_errno(env, "getsockname", errno, NULL);
  char buf[INET6_ADDRSTRLEN];
  int ipv6 = addr.ss_family == AF_INET6;
  int port = ntohs(ipv6 ? ((struct sockaddr_in6 *)&addr)->sin6_port : ((struct sockaddr_in *)&addr)->sin_port);
  format_ip(&addr, buf, sizeof buf);
  CHECK_NAPI(env, napi_create_object(env, &result));
  CHECK_NAPI(env, napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &text));
  CHECK_NAPI(env, napi_create_string_utf8(env, ipv6 ? "IPv6" : "IPv4", NAPI_AUTO_LENGTH, &family));
  CHECK_NAPI(env, napi_set_named_property(env, result, "address", text));
  CHECK_NAPI(env, napi_set_named_property(env, result, "family", family));
  return set_number(env, result, "port", port);
}

// peer(handle, i) -> the source address of datagram i of the batch being handled, as text. Only valid during
// onBatch; JS asks for it only for the rare requests that need it (NOTIFY from a primary), so the common
// path never formats an address.
static napi_value js_peer(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], text;
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  batch_socket *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  int32_t i;
  if (argc < 2 || napi_get_value_int32(env, argv[1], &i) != napi_ok || i < 0 || i >= BATCH) {
    napi_throw_range_error(env, NULL, "peer: index out of range");
    return NULL;
  }
  char buf[INET6_ADDRSTRLEN];
  format_ip(&s->peers[i], buf, sizeof buf);
  CHECK_NAPI(env, napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &text));
  return text;
}

// receiveBufferSize(handle) -> SO_RCVBUF as the kernel reports it (Linux doubles the requested size for its
// bookkeeping, and dgram's getRecvBufferSize() reports the same figure).
static napi_value js_receive_buffer_size(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  batch_socket *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  int size = 0;
  socklen_t len = sizeof size;
  if (s->fd < 0) return throw_errno(env, "getsockopt", EBADF, NULL);
  if (getsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &size, &len) < 0) return throw_errno(env, "getsockopt", errno, NULL);
  CHECK_NAPI(env, napi_create_int32(env, size, &result));
  return result;
}

// close(handle): stops polling and closes the fd; safe to call twice, and from inside onBatch.
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  batch_socket *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  close_socket(s);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
    {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
    {"start", NULL, js_start, NULL, NULL, NULL, napi_enumerable, NULL},
    {"address", NULL, js_address, NULL, NULL, NULL, napi_enumerable, NULL},
    {"peer", NULL, js_peer, NULL, NULL, NULL, napi_enumerable, NULL},
    {"receiveBufferSize", NULL, js_receive_buffer_size, NULL, NULL, NULL, napi_enumerable, NULL},
    {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK_NAPI(env, napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
