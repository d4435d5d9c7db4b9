// Errors raised by transports. Every message names the rank that raised it, the peer and
// the operation, so that a failure at scale says where to look.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace collbench {

using Tag = std::uint64_t;

// Base class of every transport failure.
class TransportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A wait passed its deadline. peer() and tag() name the first operation still pending.
class TimeoutError : public TransportError {
 public:
  TimeoutError(const std::string& what, int peer, Tag tag)
      : TransportError(what), peer_(peer), tag_(tag) {}
  int peer() const { return peer_; }
  Tag tag() const { return tag_; }

 private:
  int peer_;
  Tag tag_;
};

// A peer went away (connection closed, completion error) while operations were pending.
class PeerError : public TransportError {
 public:
  PeerError(const std::string& what, int peer) : TransportError(what), peer_(peer) {}
  int peer() const { return peer_; }

 private:
  int peer_;
};

}  // namespace collbench
