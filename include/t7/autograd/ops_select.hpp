#pragma once
/// \file ops_select.hpp
/// Operations of Vars that pick elements: sort, topk, kthvalue, median, mode (values and
/// indices), maskedSelect, diag, tril, triu, trace. Each picks with t7's own function, then
/// reads the picked values through an operation that already has a gradient (gather, index,
/// where), so the gradient (the picked elements' gradients, zeros elsewhere) and its own
/// gradient (for a nested grad) come with it.

#include <cstdint>

#include "t7/autograd/ops.hpp"
#include "t7/math/sort.hpp"

namespace t7::autograd {

/// The values a selection picked, on the tape, and their 0-based indices along the
/// dimension (the twin of t7's ValuesIndices): `auto [v, i] = sort(x);`.
template <FloatingElement T>
struct VarIndices {
  Var<T> values;
  LongTensor indices;
};

namespace detail {
/// The values of `a` at `indices` along `d`, with the indices.
template <class T>
VarIndices<T> picked(const Var<T>& a, int d, LongTensor indices) {
  return {gather(a, d, indices), std::move(indices)};
}
/// A one-element selection over all elements, as a one-element Var.
template <class T, class Pick>
Var<T> pickedOfAll(const Var<T>& a, Pick pick) {
  const Var<T> flat = a.contiguous().view(a.nElement());
  return pick(flat).values;
}
}  // namespace detail

/// Sorted along `dim` (ascending unless `descending`), as Torch7's `torch.sort`.
template <Tracked X>
VarIndices<detail::value_of_t<X>> sort(const X& x, int dim = -1, bool descending = false) {
  const auto a = detail::toVar<detail::value_of_t<X>>(x);
  const int d = t7::detail::normalizeDim(dim, a.dim(), "sort");
  return detail::picked(a, d, t7::sort(a.value(), d, descending).indices);
}

/// The `k` smallest (or largest) along `dim`, as Torch7's `torch.topk(x, k, dim, dir, sort)`.
template <Tracked X>
VarIndices<detail::value_of_t<X>> topk(const X& x, index_t k, int dim = -1, bool largest = false,
                                        bool sorted = false) {
  const auto a = detail::toVar<detail::value_of_t<X>>(x);
  const int d = t7::detail::normalizeDim(dim, a.dim(), "topk");
  return detail::picked(a, d, t7::topk(a.value(), k, d, largest, sorted).indices);
}

/// The k-th smallest along `dim` (k 1-based), kept with size 1 (Torch7's `torch.kthvalue`).
template <Tracked X>
VarIndices<detail::value_of_t<X>> kthvalue(const X& x, index_t k, int dim) {
  const auto a = detail::toVar<detail::value_of_t<X>>(x);
  const int d = t7::detail::normalizeDim(dim, a.dim(), "kthvalue");
  return detail::picked(a, d, t7::kthvalue(a.value(), k, d).indices);
}
/// The k-th smallest of all elements: a one-element Var.
template <Tracked X>
Var<detail::value_of_t<X>> kthvalue(const X& x, index_t k) {
  const auto a = detail::toVar<detail::value_of_t<X>>(x);
  return detail::pickedOfAll(a, [k](const auto& flat) { return kthvalue(flat, k, 0); });
}

/// The (lower) median along `dim`, kept with size 1 (Torch7's `torch.median`).
template <Tracked X>
VarIndices<detail::value_of_t<X>> median(const X& x, int dim) {
  const auto a = detail::toVar<detail::value_of_t<X>>(x);
  const int d = t7::detail::normalizeDim(dim, a.dim(), "median");
  return detail::picked(a, d, t7::median(a.value(), d).indices);
}
/// The (lower) median of all elements: a one-element Var.
template <Tracked X>
Var<detail::value_of_t<X>> median(const X& x) {
  const auto a = detail::toVar<detail::value_of_t<X>>(x);
  return detail::pickedOfAll(a, [](const auto& flat) { return median(flat, 0); });
}

/// The most frequent value along `dim`, kept with size 1 (Torch7's `torch.mode`).
template <Tracked X>
VarIndices<detail::value_of_t<X>> mode(const X& x, int dim) {
  const auto a = detail::toVar<detail::value_of_t<X>>(x);
  const int d = t7::detail::normalizeDim(dim, a.dim(), "mode");
  return detail::picked(a, d, t7::mode(a.value(), d).indices);
}
/// The most frequent value of all elements: a one-element Var.
template <Tracked X>
Var<detail::value_of_t<X>> mode(const X& x) {
  const auto a = detail::toVar<detail::value_of_t<X>>(x);
  return detail::pickedOfAll(a, [](const auto& flat) { return mode(flat, 0); });
}

/// The elements where `mask` is nonzero, in row-major order, as a 1-D Var (Torch7's
/// `torch.maskedSelect`; the mask has x's element count).
template <Tracked X>
Var<detail::value_of_t<X>> maskedSelect(const X& x, const ByteTensor& mask) {
  const auto a = detail::toVar<detail::value_of_t<X>>(x);
  if (mask.nElement() != a.nElement())
    t7::detail::fail<SizeError>("maskedSelect: the mask has size ", mask.sizes().toString(), " but the value has size ",
                                a.sizes().toString());
  // the flat positions of the selected elements (nonzero of the flattened mask: n x 1)
  const LongTensor at = t7::nonzero(mask.contiguous().view(mask.nElement())).select(1, 0);
  return index(a.contiguous().view(a.nElement()), 0, at);
}

namespace detail {
/// Flat (row-major) positions of the k-th diagonal of a rows x cols matrix.
inline LongTensor diagonalPositions(index_t rows, index_t cols, index_t k) {
  const index_t r0 = k < 0 ? -k : 0, c0 = k > 0 ? k : 0;
  const index_t len = std::max<index_t>(0, std::min(rows - r0, cols - c0));
  LongTensor at(len);
  for (index_t i = 0; i < len; ++i) at.data()[i] = (r0 + i) * cols + c0 + i;
  return at;
}
}  // namespace detail

/// Torch7's `torch.diag(x, k)`: a matrix's k-th diagonal as a vector, or a square matrix with
/// a vector on its k-th diagonal (k > 0 above the main one, k < 0 below).
template <Tracked X>
Var<detail::value_of_t<X>> diag(const X& x, index_t k = 0) {
  using T = detail::value_of_t<X>;
  const auto a = detail::toVar<T>(x);
  if (a.dim() == 1) {
    const index_t m = a.size(0) + (k < 0 ? -k : k);
    return detail::indexAddZeros(a, Shape{m * m}, 0, detail::diagonalPositions(m, m, k)).view(m, m);
  }
  if (a.dim() != 2) t7::detail::fail<SizeError>("diag: expects a vector or a matrix, got size ", a.sizes().toString());
  return index(a.contiguous().view(a.nElement()), 0, detail::diagonalPositions(a.size(0), a.size(1), k));
}

/// The sum of a matrix's main diagonal (Torch7's `torch.trace`): a one-element Var.
template <Tracked X>
Var<detail::value_of_t<X>> trace(const X& x) {
  const auto a = detail::toVar<detail::value_of_t<X>>(x);
  if (a.dim() != 2) t7::detail::fail<SizeError>("trace: expects a matrix, got size ", a.sizes().toString());
  return sum(diag(a));
}

/// The lower triangle of a matrix from the k-th diagonal down, zeros above (Torch7's
/// `torch.tril`); the gradient passes where the value does.
template <Tracked X>
auto tril(const X& x, index_t k = 0) {
  const auto a = detail::toVar<detail::value_of_t<X>>(x);
  if (a.dim() != 2) t7::detail::fail<SizeError>("tril: expects a matrix, got size ", a.sizes().toString());
  return where(t7::tril(t7::ones<std::uint8_t>(a.sizes()), k), a, 0);
}
/// The upper triangle from the k-th diagonal up, zeros below (Torch7's `torch.triu`).
template <Tracked X>
auto triu(const X& x, index_t k = 0) {
  const auto a = detail::toVar<detail::value_of_t<X>>(x);
  if (a.dim() != 2) t7::detail::fail<SizeError>("triu: expects a matrix, got size ", a.sizes().toString());
  return where(t7::triu(t7::ones<std::uint8_t>(a.sizes()), k), a, 0);
}

}  // namespace t7::autograd
