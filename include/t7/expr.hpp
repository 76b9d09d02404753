#pragma once
/// \file expr.hpp
/// Fused elementwise expressions: operators and math functions on tensors build expression
/// trees (node.hpp) that one evaluator (evaluate.hpp) runs as a single loop.

#include "t7/expr/evaluate.hpp"
#include "t7/expr/functors.hpp"
#include "t7/expr/inplace.hpp"
#include "t7/expr/node.hpp"
