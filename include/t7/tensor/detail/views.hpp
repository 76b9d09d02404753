#pragma once
/// \file views.hpp
/// Definitions of Tensor's views: every one shares the storage and allocates nothing.
/// Included by tensor.hpp; not a public header.

#include <numeric>

namespace t7 {

template <Element T, Device D>
Tensor<T, D> Tensor<T, D>::narrow(int d, index_t start, index_t length) const {
  checkDim(d, "narrow");
  if (start < 0 || length < 0 || start > sizes_[d] || length > sizes_[d] - start)
    detail::fail<IndexError>("narrow: start ", start, ", length ", length, " out of range for dimension ", d,
                             " of a tensor of size ", sizes_.toString());
  Tensor r = *this;
  r.offset_ += start * strides_[d];
  r.sizes_[d] = length;
  return r;
}

template <Element T, Device D>
Tensor<T, D> Tensor<T, D>::select(int d, index_t index) const {
  checkDim(d, "select");
  if (dim() == 1)
    detail::fail<SizeError>("select: cannot select on a 1-D tensor (size ", sizes_.toString(),
                            "): t7 has no 0-D tensors, read the element with t(", index, ")");
  if (index < 0 || index >= sizes_[d])
    detail::fail<IndexError>("select: index ", index, " out of range for dimension ", d, " of a tensor of size ",
                             sizes_.toString());
  Tensor r = *this;
  r.offset_ += index * strides_[d];
  r.sizes_.erase(d);
  r.strides_.erase(d);
  return r;
}

template <Element T, Device D>
Tensor<T, D> Tensor<T, D>::subImpl(std::initializer_list<index_t> bounds) const {
  const int n = static_cast<int>(bounds.size());
  if (n % 2 != 0 || n / 2 > dim())
    detail::fail<ValueError>("sub: expects pairs of bounds (first, last) for at most ", dim(),
                             " dimensions, got ", n, " numbers for a tensor of size ", sizes_.toString());
  Tensor r = *this;
  auto it = bounds.begin();
  for (int d = 0; d < n / 2; ++d) {
    index_t first = *it++, last = *it++;
    const index_t s = sizes_[d];
    if (first < 0) first += s;
    if (last < 0) last += s;
    if (first < 0 || last >= s || first > last)
      detail::fail<IndexError>("sub: bounds [", first, ", ", last, "] out of range for dimension ", d,
                               " of a tensor of size ", sizes_.toString());
    r = r.narrow(d, first, last - first + 1);
  }
  return r;
}

template <Element T, Device D>
Tensor<T, D> Tensor<T, D>::transpose(int d1, int d2) const {
  checkDim(d1, "transpose");
  checkDim(d2, "transpose");
  Tensor r = *this;
  std::swap(r.sizes_[d1], r.sizes_[d2]);
  std::swap(r.strides_[d1], r.strides_[d2]);
  return r;
}

template <Element T, Device D>
Tensor<T, D> Tensor<T, D>::t() const {
  if (dim() != 2)
    detail::fail<SizeError>("t: expects a 2-D tensor, got a ", dim(), "-D tensor of size ", sizes_.toString());
  return transpose(0, 1);
}

template <Element T, Device D>
Tensor<T, D> Tensor<T, D>::permute(const Shape& order) const {
  if (order.size() != dim())
    detail::fail<SizeError>("permute: ", order.size(), " dimensions given (", order.toString(), ") for a ", dim(),
                            "-D tensor of size ", sizes_.toString());
  bool seen[kMaxDims] = {};
  Tensor r = *this;
  for (int i = 0; i < dim(); ++i) {
    const index_t d = order[i];
    if (d < 0 || d >= dim() || seen[d])
      detail::fail<IndexError>("permute: ", order.toString(), " is not a permutation of 0..", dim() - 1);
    seen[d] = true;
    r.sizes_[i] = sizes_[static_cast<int>(d)];
    r.strides_[i] = strides_[static_cast<int>(d)];
  }
  return r;
}

namespace detail {

/// Replaces one -1 in `sizes` by what makes the element count `n`; checks the count.
inline Shape inferSizes(const Shape& sizes, index_t n, const char* op, const Shape& from) {
  Shape s = sizes;
  int infer = -1;
  index_t known = 1;
  for (int i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      if (infer >= 0) fail<ValueError>(op, ": only one size may be -1, got ", sizes.toString());
      infer = i;
    } else if (s[i] < 0) {
      fail<ValueError>(op, ": negative size in ", sizes.toString());
    } else if (detail::mulOverflows(known, s[i], known)) {
      fail<SizeError>(op, ": size ", sizes.toString(), " overflows int64");
    }
  }
  if (infer >= 0) {
    if (known == 0 || n % known != 0)
      fail<SizeError>(op, ": cannot infer the -1 in ", sizes.toString(), " for ", n, " elements (size ",
                      from.toString(), ")");
    s[infer] = n / known;
  } else if (s.product() != n || (s.size() == 0 && n != 0)) {
    fail<SizeError>(op, ": size ", sizes.toString(), " has ", s.size() ? s.product() : 0,
                    " elements, the tensor of size ", from.toString(), " has ", n);
  }
  return s;
}

/// Strides that show a tensor of (sizes, strides) with `newSizes` without copying, when they
/// exist (each group of merged old dimensions must be contiguous within itself).
inline bool viewStrides(const Shape& sizes, const Strides& strides, const Shape& newSizes, Strides& out) {
  out = Shape::filled(newSizes.size(), 1);
  if (sizes.product() == 0) {
    out = contiguousStrides(newSizes);
    return true;
  }
  int viewD = newSizes.size() - 1;
  index_t chunkBase = strides.size() ? strides[strides.size() - 1] : 1;
  index_t tensorNumel = 1, viewNumel = 1;
  for (int d = sizes.size() - 1; d >= 0; --d) {
    tensorNumel *= sizes[d];
    if (d == 0 || (sizes[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newSizes[viewD] == 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= newSizes[viewD];
        --viewD;
      }
      if (viewNumel != tensorNumel) return false;
      if (d > 0) {
        chunkBase = strides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD == -1;
}

}  // namespace detail

template <Element T, Device D>
Tensor<T, D> Tensor<T, D>::view(const Shape& sizes) const {
  const Shape s = detail::inferSizes(sizes, nElement(), "view", sizes_);
  Strides st;
  if (!detail::viewStrides(sizes_, strides_, s, st))
    detail::fail<LayoutError>("view: a tensor of size ", sizes_.toString(), " and strides ", strides_.toString(),
                              " cannot be viewed as size ", s.toString(),
                              " without copying; call contiguous() first or use reshape()");
  Tensor r = *this;
  r.sizes_ = s;
  r.strides_ = st;
  return r;
}

template <Element T, Device D>
Tensor<T, D> Tensor<T, D>::reshape(const Shape& sizes) const {
  const Shape s = detail::inferSizes(sizes, nElement(), "reshape", sizes_);
  Strides st;
  if (detail::viewStrides(sizes_, strides_, s, st)) {
    Tensor r = *this;
    r.sizes_ = s;
    r.strides_ = st;
    return r;
  }
  return clone().view(s);
}

template <Element T, Device D>
Tensor<T, D> Tensor<T, D>::unfold(int d, index_t size, index_t step) const {
  checkDim(d, "unfold");
  if (size < 0 || size > sizes_[d])
    detail::fail<SizeError>("unfold: window size ", size, " larger than dimension ", d, " of size ",
                            sizes_.toString());
  if (step <= 0) detail::fail<ValueError>("unfold: step must be > 0, got ", step);
  Tensor r = *this;
  r.sizes_[d] = (sizes_[d] - size) / step + 1;
  if (r.sizes_[d] == 1) step = 1;  // one window: the step is never taken
  if (detail::mulOverflows(step, strides_[d], r.strides_[d]))
    detail::fail<SizeError>("unfold: step ", step, " times stride ", strides_[d], " overflows int64");
  r.sizes_.push_back(size);
  r.strides_.push_back(strides_[d]);
  return r;
}

template <Element T, Device D>
Tensor<T, D> Tensor<T, D>::expand(const Shape& sizes) const {
  if (dim() == 0) detail::fail<SizeError>("expand: cannot expand an empty tensor (no dimension)");
  (void)sizes.product();  // throws when the element count overflows
  if (sizes.size() < dim())
    detail::fail<SizeError>("expand: cannot expand a tensor of size ", sizes_.toString(), " to fewer dimensions (",
                            sizes.toString(), ")");
  Tensor r = *this;
  const int lead = sizes.size() - dim();
  r.sizes_ = sizes;
  r.strides_ = Shape::filled(sizes.size(), 0);
  for (int i = 0; i < sizes.size(); ++i) {
    const int d = i - lead;
    if (sizes[i] < 0) detail::fail<ValueError>("expand: negative size in ", sizes.toString());
    if (d < 0) continue;  // a new leading dimension: stride 0
    if (sizes_[d] == sizes[i]) {
      r.strides_[i] = strides_[d];
    } else if (sizes_[d] != 1) {
      detail::fail<SizeError>("expand: cannot expand a tensor of size ", sizes_.toString(), " to size ",
                              sizes.toString(), ": dimension ", d, " has size ", sizes_[d], ", not 1");
    }
  }
  return r;
}

template <Element T, Device D>
Tensor<T, D> Tensor<T, D>::squeeze() const {
  Tensor r = *this;
  r.sizes_ = Shape{};
  r.strides_ = Shape{};
  for (int d = 0; d < dim(); ++d)
    if (sizes_[d] != 1) {
      r.sizes_.push_back(sizes_[d]);
      r.strides_.push_back(strides_[d]);
    }
  if (r.sizes_.empty() && dim() > 0) {  // Torch7 keeps one dimension for a single element
    r.sizes_.push_back(1);
    r.strides_.push_back(1);
  }
  return r;
}

template <Element T, Device D>
Tensor<T, D> Tensor<T, D>::squeeze(int d) const {
  checkDim(d, "squeeze");
  Tensor r = *this;
  if (sizes_[d] == 1 && dim() > 1) {
    r.sizes_.erase(d);
    r.strides_.erase(d);
  }
  return r;
}

template <Element T, Device D>
Tensor<T, D> Tensor<T, D>::unsqueeze(int d) const {
  if (dim() == 0) detail::fail<SizeError>("unsqueeze: cannot unsqueeze an empty tensor (no dimension)");
  checkDim(d, "unsqueeze", 1);
  Tensor r = *this;
  const index_t st = d < dim() ? sizes_[d] * strides_[d] : 1;
  r.sizes_.insert(d, 1);
  r.strides_.insert(d, st);
  return r;
}

template <Element T, Device D>
Tensor<T, D> Tensor<T, D>::contiguous() const {
  return isContiguous() ? *this : clone();
}

template <Element T, Device D>
Tensor<T, D> Tensor<T, D>::slice(std::initializer_list<Slice> spec) const {
  if (static_cast<int>(spec.size()) > dim())
    detail::fail<IndexError>("slice: ", spec.size(), " entries for a ", dim(), "-D tensor of size ",
                             sizes_.toString());
  Tensor r = *this;
  int d = 0;  // dimension of r that the next entry applies to
  for (const Slice& s : spec) {
    const index_t n = r.sizes_[d];
    auto fix = [&](index_t i) { return i < 0 ? i + n : i; };
    switch (s.kind()) {
      case Slice::Kind::all:
        ++d;
        break;
      case Slice::Kind::index: {
        const index_t i = fix(s.first());
        if (i < 0 || i >= n)
          detail::fail<IndexError>("slice: index ", s.first(), " out of range for dimension ", d,
                                   " of a tensor of size ", sizes_.toString());
        if (r.dim() == 1)
          detail::fail<IndexError>("slice: indexing every dimension of a tensor of size ", sizes_.toString(),
                                   " leaves no dimension; read the element with t(i, j, ...)");
        r.offset_ += i * r.strides_[d];
        r.sizes_.erase(d);
        r.strides_.erase(d);
        break;
      }
      case Slice::Kind::range: {
        const index_t a = fix(s.first()), b = fix(s.last());
        if (a < 0 || b >= n || a > b)
          detail::fail<IndexError>("slice: range {", s.first(), ", ", s.last(), "} out of range for dimension ", d,
                                   " of a tensor of size ", sizes_.toString());
        r.offset_ += a * r.strides_[d];
        r.sizes_[d] = b - a + 1;
        ++d;
        break;
      }
    }
  }
  return r;
}

}  // namespace t7
