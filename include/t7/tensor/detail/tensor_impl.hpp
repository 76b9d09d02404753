#pragma once
/// \file tensor_impl.hpp
/// Definitions of Tensor's queries, data operations and the handle's re-pointing.
/// Included by tensor.hpp; not a public header.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ostream>

namespace t7 {

namespace detail {

/// The storage range [lo, hi] (element offsets) that a layout can touch; throws SizeError
/// when it does not fit in int64. A layout with no element touches nothing (hi < lo).
inline std::pair<index_t, index_t> footprint(index_t offset, const Shape& sizes, const Strides& strides) {
  index_t lo = offset, hi = offset;
  for (int d = 0; d < sizes.size(); ++d)
    if (sizes[d] == 0) return {offset, offset - 1};
  for (int d = 0; d < sizes.size(); ++d) {
    index_t span = 0;
    if (mulOverflows(sizes[d] - 1, strides[d], span) || addOverflows(span < 0 ? lo : hi, span, span < 0 ? lo : hi))
      fail<SizeError>("a view of size ", sizes.toString(), " with strides ", strides.toString(), " at offset ", offset,
                      " spans more than int64 elements");
  }
  return {lo, hi};
}

template <class T, class D, class U, class E>
bool mayOverlap(const Tensor<T, D>& a, const Tensor<U, E>& b) {
  if constexpr (!std::is_same_v<T, U> || !std::is_same_v<D, E>) {
    return false;
  } else {
    if (!a.storage().isSameAs(b.storage()) || a.nElement() == 0 || b.nElement() == 0) return false;
    auto [alo, ahi] = footprint(a.storageOffset(), a.sizes(), a.strides());
    auto [blo, bhi] = footprint(b.storageOffset(), b.sizes(), b.strides());
    return alo <= bhi && blo <= ahi;
  }
}

/// Shape of a nested initializer list (depth 1 to 4), with a check that it is not ragged.
template <class T>
struct NestedList {
  static constexpr int depth = 0;
  static void sizes(const T&, Shape&, int) {}
  static void write(const T& v, T*& out) { *out++ = v; }
};
template <class T>
struct NestedList<ListValue<T>> {
  static constexpr int depth = 0;
  static void sizes(const ListValue<T>&, Shape&, int) {}
  static void write(const ListValue<T>& v, T*& out) { *out++ = v.value; }
};
template <class T>
struct NestedList<std::initializer_list<T>> {
  static constexpr int depth = 1 + NestedList<T>::depth;
  static void sizes(const std::initializer_list<T>& l, Shape& s, int level) {
    const auto n = static_cast<index_t>(l.size());
    if (s.size() <= level) {
      s.push_back(n);
    } else if (s[level] != n) {
      fail<ValueError>("Tensor: ragged initializer list, a list at depth ", level, " has ", n,
                       " elements where another has ", s[level]);
    }
    for (const auto& x : l) NestedList<T>::sizes(x, s, level + 1);
  }
  static void write(const std::initializer_list<T>& l, auto*& out) {
    for (const auto& x : l) NestedList<T>::write(x, out);
  }
};

}  // namespace detail

template <Element T, Device D>
template <class L>
void Tensor<T, D>::initFrom(const L& list) {
  Shape s;
  detail::NestedList<L>::sizes(list, s, 0);
  if (s.size() < detail::NestedList<L>::depth)  // an empty inner list hides deeper levels
    s.resize(detail::NestedList<L>::depth, 0);
  if (s.product() == 0) return;  // Torch7 has no zero-sized tensors from tables: empty
  resize(s);
  T* out = data();
  detail::NestedList<L>::write(list, out);
}

template <Element T, Device D>
bool Tensor<T, D>::isContiguous() const {
  index_t expected = 1;
  for (int d = dim() - 1; d >= 0; --d) {
    if (sizes_[d] == 1) continue;
    if (strides_[d] != expected) return nElement() == 0;  // a tensor with no element is contiguous
    expected *= sizes_[d];
  }
  return true;
}

template <Element T, Device D>
bool Tensor<T, D>::isSetTo(const Tensor& o) const {
  return storage_.isSameAs(o.storage_) && offset_ == o.offset_ && sizes_ == o.sizes_ && strides_ == o.strides_ &&
         dim() > 0;
}

template <Element T, Device D>
void Tensor<T, D>::badDim(int d, const char* op, int extra) const {
  detail::fail<IndexError>(op, ": dimension ", d, " out of range for a ", dim(), "-D tensor of size ",
                           sizes_.toString(), " (valid: 0 to ", dim() - 1 + extra, ")");
}

template <Element T, Device D>
T* Tensor<T, D>::elementPtr(const index_t* idx, int n) const {
  if (n != dim())
    detail::fail<IndexError>("Tensor(): ", n, " indices given for a ", dim(), "-D tensor of size ", sizes_.toString());
  index_t off = offset_;
  for (int d = 0; d < n; ++d) {
    index_t i = idx[d] < 0 ? idx[d] + sizes_[d] : idx[d];
    if (i < 0 || i >= sizes_[d])
      detail::fail<IndexError>("Tensor(): index ", idx[d], " out of range for dimension ", d, " of size ",
                               sizes_.toString());
    off += i * strides_[d];
  }
  return storage_.data() + off;
}

template <Element T, Device D>
T Tensor<T, D>::item() const {
  if (nElement() != 1)
    detail::fail<SizeError>("item: the tensor must have exactly one element, it has size ", sizes_.toString());
  return *data();
}

template <Element T, Device D>
auto Tensor<T, D>::begin() const -> iterator {
  return iterator(data(), sizes_, strides_, nElement());
}
template <Element T, Device D>
auto Tensor<T, D>::end() const -> iterator {
  return iterator(data(), sizes_, strides_, 0);
}

// ---- re-pointing ------------------------------------------------------------------------

template <Element T, Device D>
Tensor<T, D>& Tensor<T, D>::set(const Tensor& other) {
  if (this != &other) {
    storage_ = other.storage_;
    offset_ = other.offset_;
    sizes_ = other.sizes_;
    strides_ = other.strides_;
  }
  return *this;
}

template <Element T, Device D>
Tensor<T, D>& Tensor<T, D>::set(Storage<T, D> storage, index_t storageOffset, const Shape& sizes,
                                const Strides& strides) {
  if (!strides.empty() && strides.size() != sizes.size())
    detail::fail<SizeError>("set: ", sizes.size(), " sizes (", sizes.toString(), ") but ", strides.size(),
                            " strides (", strides.toString(), ")");
  if (storageOffset < 0) detail::fail<ValueError>("set: negative storage offset ", storageOffset);
  for (index_t s : sizes)
    if (s < 0) detail::fail<ValueError>("set: negative size in ", sizes.toString());
  const Strides st = strides.empty() ? contiguousStrides(sizes) : strides;
  if (sizes.size() > 0 && sizes.product() > 0) {
    auto [lo, hi] = detail::footprint(storageOffset, sizes, st);
    if (lo < 0 || hi >= storage.size())
      detail::fail<SizeError>("set: a view of size ", sizes.toString(), ", strides ", st.toString(), " at offset ",
                              storageOffset, " needs storage elements ", lo, " to ", hi, " but the storage has ",
                              storage.size());
  }
  storage_ = std::move(storage);
  offset_ = storageOffset;
  sizes_ = sizes;
  strides_ = st;
  return *this;
}

template <Element T, Device D>
Tensor<T, D>& Tensor<T, D>::resize(const Shape& sizes) {
  for (index_t s : sizes)
    if (s < 0) detail::fail<ValueError>("resize: negative size in ", sizes.toString());
  const index_t n = sizes.size() == 0 ? 0 : sizes.product();
  // Everything that can throw happens before the handle changes: a failed resize leaves
  // the tensor as it was.
  Strides strides = contiguousStrides(sizes);
  if (n > 0) {
    if (!storage_.defined()) {
      storage_ = Storage<T, D>(n);
      offset_ = 0;
    } else {
      index_t end = 0;
      if (detail::addOverflows(offset_, n, end))
        detail::fail<SizeError>("resize: storage offset ", offset_, " + ", n, " elements overflows int64");
      if (end > storage_.size()) storage_.resize(end);
    }
  }
  sizes_ = sizes;
  strides_ = strides;
  return *this;
}

// ---- data ---------------------------------------------------------------------------------

template <Element T, Device D>
Tensor<T, D> Tensor<T, D>::clone() const {
  Tensor r(sizes_);
  r.copy(*this);
  return r;
}

template <Element T, Device D>
template <Element U>
Tensor<T, D>& Tensor<T, D>::copy(const Tensor<U, D>& src) {
  if (src.nElement() != nElement())
    detail::fail<SizeError>("copy: element count mismatch, destination has size ", sizes_.toString(), " (",
                            nElement(), " elements), source has size ", src.sizes().toString(), " (", src.nElement(),
                            " elements)");
  if (nElement() == 0) return *this;
  noteWrite();
  if constexpr (std::is_same_v<T, U>) {
    if (detail::mayOverlap(*this, src) && !isSetTo(src))
      return copy(src.clone());  // overlapping, differently laid out: go through a temporary
  }
  if (!src.isSameSizeAs(*this)) {
    // Same count, other shape: pair the elements in row-major order through a common shape.
    if (src.isContiguous())
      return copy(Tensor<U, D>(src.storage(), src.storageOffset(), sizes_));
    if (isContiguous()) {
      Tensor me(storage_, offset_, src.sizes());
      me.copy(src);
      return *this;
    }
    return copy(src.contiguous());
  }
  T* dst = data();
  const U* s = src.data();
  detail::stridedLoop<2>(sizes_, {&strides_, &src.strides()}, [&](index_t n, const auto& off, const auto& st) {
    T* d = dst + off[0];
    const U* x = s + off[1];
    if (st[0] == 1 && st[1] == 1) {
      if constexpr (std::is_same_v<T, U>) std::memcpy(d, x, static_cast<std::size_t>(n) * sizeof(T));
      else for (index_t i = 0; i < n; ++i) d[i] = convert<T>(x[i]);
    } else {
      for (index_t i = 0; i < n; ++i) d[i * st[0]] = convert<T>(x[i * st[1]]);
    }
  });
  return *this;
}

template <Element T, Device D>
Tensor<T, D>& Tensor<T, D>::fill(T value) {
  noteWrite();
  T* p = data();
  const bool zeroBits = value == T(0) && !std::signbit(static_cast<double>(value));  // memset-able
  const auto run = [&](T* d, index_t n) {
    if (zeroBits) std::memset(d, 0, static_cast<std::size_t>(n) * sizeof(T));
    else std::fill(d, d + n, value);
  };
  if (isContiguous()) {
    // one run, split across threads as elementwise expressions split it (zeroGradParameters
    // of a large layer; the gradients stay in the caches of the threads that update them)
    if (nElement() > 0) detail::forEachFlatBlock(nElement(), [&](index_t lo, index_t hi) { run(p + lo, hi - lo); });
    return *this;
  }
  detail::stridedLoop<1>(sizes_, {&strides_}, [&](index_t n, const auto& off, const auto& st) {
    T* d = p + off[0];
    if (st[0] == 1) run(d, n);
    else for (index_t i = 0; i < n; ++i) d[i * st[0]] = value;
  });
  return *this;
}

template <Element T, Device D>
template <Element U>
Tensor<U, D> Tensor<T, D>::to() const {
  Tensor<U, D> r(sizes_);
  r.copy(*this);
  return r;
}

template <Element T, Device D>
std::vector<T> Tensor<T, D>::toVector() const {
  std::vector<T> v;
  v.reserve(static_cast<std::size_t>(nElement()));
  for (T x : *this) v.push_back(x);
  return v;
}

template <Element T, Device D>
template <class F>
Tensor<T, D>& Tensor<T, D>::apply(F&& fn) {
  noteWrite();
  T* p = data();
  detail::stridedLoop<1>(sizes_, {&strides_}, [&](index_t n, const auto& off, const auto& st) {
    for (index_t i = 0; i < n; ++i) {
      T& x = p[off[0] + i * st[0]];
      if constexpr (std::is_invocable_r_v<void, F&, T&> && std::is_void_v<std::invoke_result_t<F&, T&>>) fn(x);
      else x = convert<T>(fn(x));
    }
  });
  return *this;
}

template <Element T, Device D>
template <Element U, class F>
Tensor<T, D>& Tensor<T, D>::map(const Tensor<U, D>& other, F&& fn) {
  if (other.nElement() != nElement())
    detail::fail<SizeError>("map: element count mismatch, ", sizes_.toString(), " vs ", other.sizes().toString());
  const Tensor<U, D> o = other.isSameSizeAs(*this) ? other : other.contiguous().view(sizes_);
  noteWrite();
  T* p = data();
  const U* q = o.data();
  detail::stridedLoop<2>(sizes_, {&strides_, &o.strides()}, [&](index_t n, const auto& off, const auto& st) {
    for (index_t i = 0; i < n; ++i) {
      T& x = p[off[0] + i * st[0]];
      x = convert<T>(fn(x, q[off[1] + i * st[1]]));
    }
  });
  return *this;
}

template <Element T, Device D>
template <Element U, Element V, class F>
Tensor<T, D>& Tensor<T, D>::map2(const Tensor<U, D>& a, const Tensor<V, D>& b, F&& fn) {
  if (a.nElement() != nElement() || b.nElement() != nElement())
    detail::fail<SizeError>("map2: element count mismatch, ", sizes_.toString(), " vs ", a.sizes().toString(),
                            " vs ", b.sizes().toString());
  const Tensor<U, D> x = a.isSameSizeAs(*this) ? a : a.contiguous().view(sizes_);
  const Tensor<V, D> y = b.isSameSizeAs(*this) ? b : b.contiguous().view(sizes_);
  T* p = data();
  const U* q = x.data();
  const V* r = y.data();
  detail::stridedLoop<3>(sizes_, {&strides_, &x.strides(), &y.strides()},
                         [&](index_t n, const auto& off, const auto& st) {
                           for (index_t i = 0; i < n; ++i) {
                             T& v = p[off[0] + i * st[0]];
                             v = convert<T>(fn(v, q[off[1] + i * st[1]], r[off[2] + i * st[2]]));
                           }
                         });
  return *this;
}

template <Element T, Device D>
std::ostream& operator<<(std::ostream& os, const Tensor<T, D>& t) {
  return os << t.toString();
}

}  // namespace t7
