// ReportBuffer: the finished bytes of a report with their owner, handed
// from the builder (or a capture) to a Report without a copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace ktsnap {
inline namespace v1 {

// Cheap to copy: the bytes are shared, and live as long as the last copy
// or the owner() taken from one.
class ReportBuffer {
 public:
  ReportBuffer() = default;
  ReportBuffer(std::shared_ptr<const void> owner, const uint8_t* data, size_t size)
      : owner_(std::move(owner)), data_(data), size_(size) {}

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  std::vector<uint8_t> to_vector() const { return {data_, data_ + size_}; }
  // Keeps the bytes alive.
  const std::shared_ptr<const void>& owner() const { return owner_; }

 private:
  std::shared_ptr<const void> owner_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace v1
}  // namespace ktsnap
