#pragma once
/// \file values_indices.hpp
/// The two results of Torch7's `max/min/median/mode/kthvalue` along a dimension and of
/// `sort/topk`: values and 0-based LongTensor indices.

#include <cstdint>

#include "t7/tensor/tensor.hpp"

namespace t7 {

/// Values and their 0-based indices along the reduced or sorted dimension (Torch7 returns
/// them as two results `y, i`; its indices are 1-based). Usable with structured bindings:
/// `auto [vals, idx] = max(x, 1);`, `auto [v, i] = sort(x);`.
template <Element T, Device D = CPU>
struct ValuesIndices {
  Tensor<T, D> values;
  Tensor<std::int64_t, D> indices;
};

}  // namespace t7
