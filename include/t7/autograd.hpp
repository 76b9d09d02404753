#pragma once
/// \file autograd.hpp
/// t7's autograd (DESIGN.md decision 7; the guide is docs/autograd.md): `grad(f)` gives the
/// gradient of any function written with tensor operations, with respect to its first
/// argument, in that argument's structure (a tensor, nested Tables, vectors, maps, arrays).
///
/// ```cpp
/// #include <t7/autograd.hpp>
/// auto df = t7::autograd::grad(f);
/// auto [grads, loss] = df(params, x, y);
/// ```

#include "t7/autograd/auto_module.hpp"
#include "t7/autograd/functional.hpp"
#include "t7/autograd/grad.hpp"
#include "t7/autograd/gradcheck.hpp"
#include "t7/autograd/loss.hpp"
#include "t7/autograd/ops.hpp"
#include "t7/autograd/ops_select.hpp"
#include "t7/autograd/table.hpp"
#include "t7/autograd/tape.hpp"
#include "t7/autograd/var.hpp"
