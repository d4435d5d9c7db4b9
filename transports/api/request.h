// A handle to one posted send or receive. Transports derive their own state from
// RequestState; the handle is cheap to copy and shares that state.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "transports/api/errors.h"

namespace collbench {

enum class OpKind { kSend, kRecv };

const char* opKindName(OpKind kind);

// Completion state of one operation. Written by the transport's progress engine, read by
// the thread that posted it; both are the same thread (transports are single-threaded).
struct RequestState {
  RequestState(OpKind kind, int peer, Tag tag, std::size_t bytes)
      : kind(kind), peer(peer), tag(tag), bytes(bytes) {}
  virtual ~RequestState() = default;

  OpKind kind;
  int peer;
  Tag tag;
  std::size_t bytes;
  bool done = false;
  std::string error;  // non-empty when the operation failed; done is then true as well
  int error_peer = -1;

  void complete() { done = true; }
  // peer_lost: the failure is the peer going away (reported as PeerError).
  void fail(std::string message, bool peer_lost = false) {
    error = std::move(message);
    error_peer = peer_lost ? peer : -1;
    done = true;
  }
};

class Request {
 public:
  Request() = default;
  explicit Request(std::shared_ptr<RequestState> state) : state_(std::move(state)) {}

  bool valid() const { return state_ != nullptr; }
  bool done() const { return state_->done; }
  RequestState& state() const { return *state_; }

 private:
  std::shared_ptr<RequestState> state_;
};

}  // namespace collbench
