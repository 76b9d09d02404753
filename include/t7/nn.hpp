#pragma once
/// \file nn.hpp
/// Torch7's nn package: modules, containers, criterions, the Jacobian checker.

#include "t7/nn/activity.hpp"
#include "t7/nn/any_module.hpp"
#include "t7/nn/classnll.hpp"
#include "t7/nn/container.hpp"
#include "t7/nn/containers.hpp"
#include "t7/nn/criterion.hpp"
#include "t7/nn/criterions.hpp"
#include "t7/nn/dropout.hpp"
#include "t7/nn/jacobian.hpp"
#include "t7/nn/linear.hpp"
#include "t7/nn/module.hpp"
#include "t7/nn/reduce_modules.hpp"
#include "t7/nn/sequential.hpp"
#include "t7/nn/shape_modules.hpp"
#include "t7/nn/simple.hpp"
#include "t7/nn/softmax.hpp"
#include "t7/nn/table.hpp"
#include "t7/nn/transfer.hpp"
