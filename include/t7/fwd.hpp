#pragma once
/// \file fwd.hpp
/// Forward declarations, for headers that only pass tensors around. The default device
/// (CPU) of Storage and Tensor is given here, once.

#include "t7/core/device.hpp"
#include "t7/core/dtype.hpp"

namespace t7 {

class Generator;
class Shape;
template <Element T, Device D = CPU>
class Storage;
template <Element T, Device D = CPU>
class Tensor;

namespace expr {
/// True for expression node types (t7/expr/node.hpp specialises it).
template <class E>
inline constexpr bool isNode = false;
}  // namespace expr

}  // namespace t7
