// Registered memory. A transport may need to pin or register a buffer before it can move it;
// registration is done once per buffer and released by the region's destructor.
#pragma once

#include <cstddef>

namespace collbench {

enum class MemoryKind { kHost, kCuda };

const char* memoryKindName(MemoryKind kind);

// A buffer registered with one transport. The caller owns the memory and keeps it alive for
// the region's lifetime; the region owns only the registration. Not thread-safe.
class MemoryRegion {
 public:
  MemoryRegion(void* data, std::size_t bytes, MemoryKind kind)
      : data_(static_cast<std::byte*>(data)), bytes_(bytes), kind_(kind) {}
  virtual ~MemoryRegion() = default;
  MemoryRegion(const MemoryRegion&) = delete;
  MemoryRegion& operator=(const MemoryRegion&) = delete;

  std::byte* data() const { return data_; }
  std::size_t bytes() const { return bytes_; }
  MemoryKind kind() const { return kind_; }
  bool contains(const void* ptr, std::size_t bytes) const;

 private:
  std::byte* data_;
  std::size_t bytes_;
  MemoryKind kind_;
};

}  // namespace collbench
