#pragma once
/// \file t7.hpp
/// The umbrella header of t7's CPU library: `#include <t7/t7.hpp>` (tensors, math, nn, optim,
/// autograd, torch.save / torch.load).
/// Heavier or optional parts have their own headers: LAPACK-level linear algebra
/// (`<t7/math/linalg.hpp>`, Eigen's decompositions add ~40% to a TU's parse time), and
/// later CUDA, image codecs, plotting.

#include "t7/core/config.hpp"
#include "t7/core/device.hpp"
#include "t7/core/dtype.hpp"
#include "t7/core/error.hpp"
#include "t7/core/generator.hpp"
#include "t7/core/shape.hpp"
#include "t7/core/storage.hpp"
#include "t7/core/threads.hpp"
#include "t7/core/timer.hpp"
#include "t7/expr.hpp"
#include "t7/math/blas.hpp"
#include "t7/math/compare.hpp"
#include "t7/math/conv.hpp"
#include "t7/math/index.hpp"
#include "t7/math/reduce.hpp"
#include "t7/math/shape.hpp"
#include "t7/math/sort.hpp"
#include "t7/tensor/factory.hpp"
#include "t7/tensor/multinomial.hpp"
#include "t7/tensor/rng_state.hpp"
#include "t7/tensor/tensor.hpp"
#include "t7/autograd.hpp"
#include "t7/nn.hpp"
#include "t7/optim.hpp"
#include "t7/serialize.hpp"
