#pragma once
/// \file optim.hpp
/// Torch7's `optim` package: `#include <t7/optim.hpp>`. Optimizers take Torch7's
/// `feval(x) -> {loss, grad}` and update the parameters in place; ConfusionMatrix and
/// Logger are the training-loop helpers of the same package.

#include "t7/optim/confusion.hpp"
#include "t7/optim/logger.hpp"
#include "t7/optim/sgd.hpp"
