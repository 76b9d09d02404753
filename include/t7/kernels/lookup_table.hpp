#pragma once
/// \file lookup_table.hpp
/// The math of nn.LookupTable (Torch7's THNN LookupTable_*): indices checked and converted,
/// rows gathered, row gradients scattered back (skipping the padding index, optionally
/// scaled by 1 / frequency), and rows renormalised to a maximum norm. Indices are 0-based.

#include <cmath>
#include <string>

#include "t7/core/error.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::kernels {

/// Copies `input` (whole numbers held in any element type, 0-based) into `indices` (resized
/// to input's sizes), checking each: IndexError naming `op` for a value that is not a whole
/// number or lies outside [0, nIndex).
template <Element T>
void lookupIndices(LongTensor& indices, const Tensor<T>& input, index_t nIndex, const char* op) {
  if (!indices.isSize(input.sizes())) indices.resize(input.sizes());
  std::int64_t* out = indices.data();
  index_t k = 0;
  for (T v : input) {
    const double d = static_cast<double>(v);
    if (!(d == std::floor(d)))
      t7::detail::fail<IndexError>(op, ": index ", d, " at position ", k, " of input [", input.sizes().toString(),
                                   "] is not a whole number");
    if (d < 0 || d >= static_cast<double>(nIndex))
      t7::detail::fail<IndexError>(op, ": index ", static_cast<std::int64_t>(d), " at position ", k, " of input [",
                                   input.sizes().toString(), "] out of range [0, ", nIndex, ")");
    out[k++] = static_cast<std::int64_t>(d);
  }
}

/// out[p] = weight[indices[p]] for the n contiguous indices; `out` is [n x d] (any layout).
template <Element T>
void lookupForward(const Tensor<T>& out, const Tensor<T>& weight, const LongTensor& indices) {
  const index_t n = indices.nElement(), d = weight.size(1);
  const std::int64_t* idx = indices.data();
  const T* w = weight.data();
  T* o = out.data();
  for (index_t p = 0; p < n; ++p) {
    const T* row = w + idx[p] * weight.stride(0);
    T* dst = o + p * out.stride(0);
    for (index_t j = 0; j < d; ++j) dst[j * out.stride(1)] = row[j * weight.stride(1)];
  }
}

/// gradWeight[indices[p]] += scale * gradOutput[p] (gradOutput [n x d]), skipping rows whose
/// index is `paddingValue`; with `count` (a workspace), each row's gradient is divided by how
/// often its index occurs (Torch7's scaleGradByFreq).
template <Element T>
void lookupAccGrad(const Tensor<T>& gradWeight, const LongTensor& indices, const Tensor<T>& gradOutput, T scale,
                   index_t paddingValue, LongTensor* count) {
  const index_t n = indices.nElement(), d = gradWeight.size(1);
  const std::int64_t* idx = indices.data();
  if (count) {
    count->resize(gradWeight.size(0));
    count->zero();
    for (index_t p = 0; p < n; ++p) ++count->data()[idx[p]];
  }
  T* gw = gradWeight.data();
  const T* g = gradOutput.data();
  for (index_t p = 0; p < n; ++p) {
    if (idx[p] == paddingValue) continue;
    const T s = count ? scale / static_cast<T>(count->data()[idx[p]]) : scale;
    T* row = gw + idx[p] * gradWeight.stride(0);
    const T* src = g + p * gradOutput.stride(0);
    for (index_t j = 0; j < d; ++j) row[j * gradWeight.stride(1)] += s * src[j * gradOutput.stride(1)];
  }
}

/// Rows of `weight` named by `indices` whose normType-norm exceeds maxNorm are scaled to
/// maxNorm / (norm + 1e-7) of themselves (Torch7's LookupTable_renorm). Repeated indices are
/// harmless: a renormalised row is below maxNorm.
template <Element T>
void lookupRenorm(const Tensor<T>& weight, const LongTensor& indices, double maxNorm, double normType) {
  const index_t n = indices.nElement(), d = weight.size(1);
  const std::int64_t* idx = indices.data();
  for (index_t p = 0; p < n; ++p) {
    T* row = weight.data() + idx[p] * weight.stride(0);
    const index_t st = weight.stride(1);
    double norm = 0;
    for (index_t j = 0; j < d; ++j) norm += std::pow(std::abs(static_cast<double>(row[j * st])), normType);
    norm = std::pow(norm, 1.0 / normType);
    if (norm > maxNorm) {
      const T f = static_cast<T>(maxNorm / (norm + 1e-7));
      for (index_t j = 0; j < d; ++j) row[j * st] *= f;
    }
  }
}

}  // namespace t7::kernels
