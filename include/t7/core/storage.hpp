#pragma once
/// \file storage.hpp
/// `Storage<T, Device>`: a ref-counted, 64-byte aligned buffer of elements (Torch7's
/// torch.FloatStorage and friends). Copying a Storage shares the buffer; tensors are views
/// into a storage. A storage can also wrap memory it does not own, for zero-copy interop.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <memory>
#include <type_traits>
#include <utility>

#include "t7/core/device.hpp"
#include "t7/core/dtype.hpp"
#include "t7/core/error.hpp"
#include "t7/fwd.hpp"

#if defined(__has_include)
#if __has_include(<sys/single_threaded.h>)
#include <sys/single_threaded.h>
#define T7_HAS_SINGLE_THREADED 1
#endif
#endif
#ifndef T7_HAS_SINGLE_THREADED
#define T7_HAS_SINGLE_THREADED 0
#endif

namespace t7 {

namespace detail {

/// The buffer shared by every Storage handle (and so every Tensor) that points at it.
template <class T, class D>
struct StorageBlock {
  T* data = nullptr;
  index_t size = 0;
  index_t capacity = 0;
  bool resizable = true;                // false for wrapped external memory
  std::function<void(T*)> deleter;      // set for external memory handed over with a deleter
  std::atomic<long> refs{1};            // handles pointing here (see BlockRef)
  std::atomic<std::uint64_t> version{0};  // writes through t7's operations (Storage::version)

  StorageBlock() = default;
  StorageBlock(const StorageBlock&) = delete;
  StorageBlock& operator=(const StorageBlock&) = delete;
  ~StorageBlock() { release(); }

  void release() noexcept {
    if (resizable) D::deallocate(data);
    else if (deleter) deleter(data);
    data = nullptr;
  }
};

/// True while the process has never started a second thread (glibc tracks it, as libstdc++'s
/// shared_ptr does): reference counts then need no atomic instruction.
inline bool singleThreaded() noexcept {
#if T7_HAS_SINGLE_THREADED
  return __libc_single_threaded;
#else
  return false;
#endif
}

/// An owning, reference-counted pointer to a block with an atomic `refs` member (an
/// intrusive std::shared_ptr). Tensors are copied into every expression leaf, so the count
/// is on the hot path of small expressions: counting in the block, in one word, avoids
/// shared_ptr's control block and its double-word load after a single-word store (a store
/// forwarding stall measured at a third of `r = a + b` on 16 floats).
template <class B>
class BlockRef {
 public:
  BlockRef() noexcept = default;
  /// Adopts `b` (whose count is 1).
  explicit BlockRef(B* b) noexcept : p_(b) {}
  BlockRef(const BlockRef& o) noexcept : p_(o.p_) {
    if (p_) acquire(p_->refs);
  }
  BlockRef(BlockRef&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  BlockRef& operator=(const BlockRef& o) noexcept {
    BlockRef(o).swap(*this);
    return *this;
  }
  BlockRef& operator=(BlockRef&& o) noexcept {
    BlockRef(std::move(o)).swap(*this);
    return *this;
  }
  ~BlockRef() {
    if (p_ && release(p_->refs)) destroy(p_);
  }
  void swap(BlockRef& o) noexcept { std::swap(p_, o.p_); }

  B* get() const noexcept { return p_; }
  B* operator->() const noexcept { return p_; }
  explicit operator bool() const noexcept { return p_ != nullptr; }
  friend bool operator==(const BlockRef& a, const BlockRef& b) noexcept { return a.p_ == b.p_; }
  long useCount() const noexcept { return p_ ? p_->refs.load(std::memory_order_relaxed) : 0; }

 private:
  static void acquire(std::atomic<long>& r) noexcept {
    if (singleThreaded()) r.store(r.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    else r.fetch_add(1, std::memory_order_relaxed);
  }
  /// True when that was the last handle.
  static bool release(std::atomic<long>& r) noexcept {
    if (singleThreaded()) {
      const long n = r.load(std::memory_order_relaxed) - 1;
      r.store(n, std::memory_order_relaxed);
      return n == 0;
    }
    return r.fetch_sub(1, std::memory_order_acq_rel) == 1;
  }
  [[gnu::noinline]] static void destroy(B* b) noexcept { delete b; }

  B* p_ = nullptr;
};

inline void checkAllocationSize(index_t n, std::size_t elemSize, const char* op) {
  if (n < 0) fail<ValueError>(op, ": negative size ", n);
  if (static_cast<std::size_t>(n) > static_cast<std::size_t>(PTRDIFF_MAX) / elemSize)
    fail<SizeError>(op, ": ", n, " elements of ", elemSize, " bytes overflow the address space");
}

}  // namespace detail

/// A contiguous, ref-counted buffer of `T` on device `D`.
template <Element T, Device D>
class Storage {
 public:
  using value_type = T;
  using device_type = D;

  /// A null storage: no buffer, size 0.
  Storage() = default;
  /// `n` uninitialised elements (Torch7's `torch.FloatStorage(n)`).
  explicit Storage(index_t n) : block_(new Block) { resize(n); }
  /// Elements copied from a list (Torch7's `torch.FloatStorage({1, 2, 3})`).
  Storage(std::initializer_list<T> values) : Storage(static_cast<index_t>(values.size())) {
    std::copy(values.begin(), values.end(), data());
  }

  /// Wraps `n` elements at `ptr` without owning them: nothing is freed, and resize() throws.
  /// The caller keeps the memory alive as long as any tensor uses it.
  static Storage wrap(T* ptr, index_t n) {
    detail::checkAllocationSize(n, sizeof(T), "Storage::wrap");
    Storage s;
    s.block_ = BlockRef(new Block);
    s.block_->data = ptr;
    s.block_->size = s.block_->capacity = n;
    s.block_->resizable = false;
    return s;
  }
  /// Takes ownership of `n` elements at `ptr`; `deleter(ptr)` runs when the last user is gone.
  static Storage wrap(T* ptr, index_t n, std::function<void(T*)> deleter) {
    Storage s = wrap(ptr, n);
    s.block_->deleter = std::move(deleter);
    return s;
  }

  /// Number of elements.
  index_t size() const { return block_ ? block_->size : 0; }
  /// First element; nullptr for a null or empty storage.
  T* data() const { return block_ ? block_->data : nullptr; }
  /// Bytes per element (Torch7's `elementSize()`).
  static constexpr index_t elementSize() { return sizeof(T); }
  /// True when this handle points at a buffer.
  bool defined() const { return static_cast<bool>(block_); }
  /// True when both handles share one buffer.
  bool isSameAs(const Storage& o) const { return block_ && block_ == o.block_; }
  /// How many times t7's writing operations have written these elements (expression
  /// assignments and in-place math, copy, fill, the random fills, the index and BLAS writes
  /// into a given result; not writes through data() pointers): autograd compares it to find
  /// a value changed after an operation used it. 0 for no buffer.
  std::uint64_t version() const noexcept { return block_ ? block_->version.load(std::memory_order_relaxed) : 0; }
  /// Counts one write (see version()). A load and a store, not an atomic increment: two
  /// threads writing one storage at once may count one write, but the version still changes,
  /// which is all a reader of it asks.
  void noteWrite() const noexcept {
    if (!block_) return;
    auto& v = block_->version;
    v.store(v.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  /// The block's address: equal for handles of one storage, what serialization keys shared storages by.
  const void* identity() const { return block_.get(); }
  /// How many handles share the buffer (Storage handles held by tensors included).
  long useCount() const { return block_.useCount(); }
  /// False for wrapped external memory.
  bool isResizable() const { return !block_ || block_->resizable; }

  /// Element `i` (0-based), checked.
  T& operator[](index_t i) const requires std::same_as<D, CPU> {
    if (i < 0 || i >= size())
      detail::fail<IndexError>("Storage[", i, "]: index out of range for a storage of size ", size());
    return block_->data[i];
  }

  T* begin() const requires std::same_as<D, CPU> { return data(); }
  T* end() const requires std::same_as<D, CPU> { return data() + size(); }

  /// Sets every element to `v`.
  Storage& fill(T v) requires std::same_as<D, CPU> {
    std::fill(begin(), end(), v);
    return *this;
  }

  /// Changes the size, keeping the first min(old, new) elements; new elements are
  /// uninitialised. Every tensor viewing this storage sees the new buffer. Growing past the
  /// capacity reallocates; shrinking keeps the memory.
  Storage& resize(index_t n) {
    detail::checkAllocationSize(n, sizeof(T), "Storage::resize");
    if (!block_) block_ = BlockRef(new Block);
    if (n <= block_->capacity) {
      block_->size = n;
      return *this;
    }
    if (!block_->resizable)
      detail::fail<LayoutError>("Storage::resize: cannot resize wrapped external memory of ", block_->size,
                                " elements to ", n);
    T* fresh = static_cast<T*>(D::allocate(static_cast<std::size_t>(n) * sizeof(T)));
    if (block_->data && block_->size > 0) std::memcpy(fresh, block_->data, static_cast<std::size_t>(block_->size) * sizeof(T));
    D::deallocate(block_->data);
    block_->data = fresh;
    block_->size = block_->capacity = n;
    return *this;
  }

  /// Copies `src` (any element type, converted as by static_cast); sizes must match.
  template <Element U>
  Storage& copy(const Storage<U, D>& src) requires std::same_as<D, CPU> {
    if (src.size() != size())
      detail::fail<SizeError>("Storage::copy: size mismatch, destination has ", size(), " elements, source has ",
                              src.size());
    if constexpr (std::same_as<U, T>) {
      if (size() > 0 && data() != src.data()) std::memmove(data(), src.data(), static_cast<std::size_t>(size()) * sizeof(T));
    } else {
      std::transform(src.begin(), src.end(), begin(), [](U x) { return convert<T>(x); });
    }
    return *this;
  }

  /// A new storage with a copy of the elements.
  Storage clone() const requires std::same_as<D, CPU> {
    Storage s(size());
    if (size() > 0) std::memcpy(s.data(), data(), static_cast<std::size_t>(size()) * sizeof(T));
    return s;
  }

 private:
  using Block = detail::StorageBlock<T, D>;
  using BlockRef = detail::BlockRef<Block>;
  BlockRef block_;
};

using FloatStorage = Storage<float>;
using DoubleStorage = Storage<double>;
using CharStorage = Storage<std::int8_t>;
using ByteStorage = Storage<std::uint8_t>;
using ShortStorage = Storage<std::int16_t>;
using IntStorage = Storage<std::int32_t>;
using LongStorage = Storage<std::int64_t>;

}  // namespace t7
