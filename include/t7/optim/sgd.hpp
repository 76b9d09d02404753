#pragma once
/// \file sgd.hpp
/// Torch7's `optim.sgd` (stochastic gradient descent with learning-rate decay, weight decay,
/// momentum, dampening, Nesterov momentum and per-parameter rates) and `optim.checkgrad`.
///
/// The calling convention is Torch7's: `feval(x)` returns the loss and the gradient at `x`,
/// the optimizer updates `x` **in place** and returns it with the loss measured before the
/// update. Torch7's `config` and `state` tables are one aggregate here (`SGDState`), written
/// with designated initializers:
///
/// ```cpp
/// optim::SGDState sgd{.learningRate = 1e-2, .momentum = 0.9, .nesterov = true, .dampening = 0};
/// auto feval = [&](const FloatTensor& x) -> optim::Eval<float> { ...; return {loss, grad}; };
/// for (...) optim::sgd(feval, params, sgd);
/// ```
///
/// A steady step allocates nothing: the momentum buffer is made once, on the first call, and
/// every update is one fused loop (t7/expr) over `x`, the gradient and the buffer.

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "t7/core/error.hpp"
#include "t7/core/shape.hpp"
#include "t7/expr.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::optim {

/// What `feval` may return: the loss and the gradient (`return {loss, grad};`). A
/// `std::pair<double, Tensor<T>>`, a `std::tuple` of the two, or any aggregate of exactly
/// these two members works as well.
template <FloatingElement T>
struct Eval {
  double loss = 0;
  Tensor<T> grad{};
};

/// What a first-order optimizer returns: Torch7's `x, {fx}`. `x` is the handle of the
/// parameters updated in place; `fx` the loss at the point where the gradient was taken
/// (before the update). `auto [x, fx] = optim::sgd(...)`.
template <FloatingElement T>
struct StepResult {
  Tensor<T> x;
  double fx = 0;
};

/// Configuration and state of `sgd` in one aggregate, as Torch7's single state table.
///
/// Fields are declared in this order, which designated initializers must follow:
/// `learningRate, learningRateDecay, weightDecay, momentum, nesterov, dampening,
/// weightDecays, learningRates` (configuration), then `evalCounter, dfdx` (state kept
/// between calls). The element type defaults to float, so `optim::SGDState s{...}` is an
/// `SGDState<float>`; write `SGDState<double>` for double parameters.
template <FloatingElement T = float>
struct SGDState {
  double learningRate = 1e-3;       ///< learning rate
  double learningRateDecay = 0;     ///< lr_t = learningRate / (1 + evalCounter * learningRateDecay)
  double weightDecay = 0;           ///< L2 penalty: grad += weightDecay * x, before momentum
  double momentum = 0;              ///< momentum (any nonzero value turns the buffer on)
  bool nesterov = false;            ///< Nesterov momentum (needs momentum > 0, dampening 0)
  std::optional<double> dampening{};  ///< dampening of the momentum; unset: equal to momentum
  Tensor<T> weightDecays{};         ///< per-parameter weight decays, used when weightDecay == 0
  Tensor<T> learningRates{};        ///< per-parameter learning rates (multiply learningRate)
  // ---- state kept between calls ----
  std::int64_t evalCounter = 0;     ///< number of calls made so far
  Tensor<T> dfdx{};                 ///< momentum buffer, a copy of the first gradient
};

/// One step of stochastic gradient descent (Torch7's `optim.sgd(feval, x, state)`).
///
/// Calls `feval(x)` once; it returns `{loss, grad}` with `grad` shaped like `x`. Then, in
/// Torch7's order, with every factor converted once to T:
/// 1. weight decay: `grad += weightDecay * x`, or `grad += weightDecays * x` when
///    weightDecay is 0 and weightDecays is set;
/// 2. momentum (momentum != 0): the buffer `dfdx` is a copy of `grad` on the first call,
///    then `dfdx = momentum * dfdx + (1 - dampening) * grad`; the step direction is `dfdx`,
///    or `grad + momentum * dfdx` with Nesterov;
/// 3. `x -= lr_t * direction` (times `learningRates` elementwise when set), with
///    `lr_t = learningRate / (1 + evalCounter * learningRateDecay)`;
/// 4. `evalCounter += 1`.
/// As in Torch7, the gradient tensor returned by feval is modified in place by steps 1 and
/// 2 when weight decay or Nesterov momentum is on.
///
/// Errors (all checked before anything is written): Nesterov without momentum > 0 and
/// dampening 0 (ValueError, before feval is called); a gradient whose sizes differ from
/// x's, weightDecays or learningRates without x's element count, a momentum buffer of
/// other sizes than the gradient (SizeError).
template <FloatingElement T, class F>
StepResult<T> sgd(F&& feval, Tensor<T>& x, SGDState<T>& state);
/// sgd on a temporary view of the parameters (`sgd(f, params.narrow(0, 0, n), state)`).
template <FloatingElement T, class F>
StepResult<T> sgd(F&& feval, Tensor<T>&& x, SGDState<T>& state) {
  return sgd(std::forward<F>(feval), x, state);
}

/// What `checkgrad` returns (Torch7's `diff, dC, dC_est`).
template <FloatingElement T>
struct CheckGradResult {
  double diff = 0;   ///< ||dC - dC_est|| / ||dC + dC_est|| (NaN when both are zero)
  Tensor<T> dC;      ///< the gradient feval returned at x (a copy, shaped like x)
  Tensor<T> dC_est;  ///< central finite differences, shaped like x
};

/// Compares feval's gradient with central differences (Torch7's
/// `optim.checkgrad(opfunc, x, eps)`): for each element i of x (row-major, any layout),
/// `dC_est[i] = (f(x + h e_i) - f(x - h e_i)) / (2h)` with h = eps. Calls feval 2n + 1 times;
/// x is restored exactly after each perturbation. Differences from Torch7: the gradient is
/// copied before the perturbed calls (Torch7 kept the handle, which later calls could
/// overwrite), and the divisor is the step actually taken in T (x + eps rounds in float).
/// eps <= 0 is a ValueError; a gradient without x's element count is a SizeError.
template <FloatingElement T, class F>
CheckGradResult<T> checkgrad(F&& feval, Tensor<T>& x, double eps = 1e-7);

// ---- definitions ---------------------------------------------------------------------------

namespace detail {

/// Calls feval(x) and splits its result into the loss (as double) and the gradient handle.
template <class T, class F>
std::pair<double, Tensor<T>> callEval(F& feval, Tensor<T>& x) {
  static_assert(std::is_invocable_v<F&, Tensor<T>&>,
                "optim: feval must be callable as feval(x) with x the parameter tensor, e.g. "
                "[&](const FloatTensor& x) -> optim::Eval<float> { ... return {loss, grad}; }");
  auto&& r = feval(x);
  auto&& [loss, grad] = r;
  static_assert(std::is_convertible_v<decltype(loss), double>,
                "optim: feval must return {loss, gradient}: the first member must be a number");
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(grad)>, Tensor<T>>,
                "optim: feval must return {loss, gradient}: the second member must be a Tensor of the "
                "parameters' element type");
  return {static_cast<double>(loss), grad};
}

/// `t` seen with x's sizes: itself when the sizes match, a view (or a copy, for a layout
/// that cannot be viewed) when only the element counts match; SizeError otherwise.
template <class T>
Tensor<T> perParameter(const Tensor<T>& t, const Tensor<T>& x, const char* op, const char* name) {
  if (t.sizes() == x.sizes()) return t;
  if (t.nElement() != x.nElement())
    t7::detail::fail<SizeError>(op, ": ", name, " ", t7::detail::bracketed(t.sizes()), " and parameters ",
                                t7::detail::bracketed(x.sizes()), " have different element counts (", t.nElement(),
                                " and ", x.nElement(), ")");
  return t.reshape(x.sizes());
}

}  // namespace detail

template <FloatingElement T, class F>
StepResult<T> sgd(F&& feval, Tensor<T>& x, SGDState<T>& state) {
  const double lr = state.learningRate;
  const double lrd = state.learningRateDecay;
  const double wd = state.weightDecay;
  const double mom = state.momentum;
  const double damp = state.dampening.value_or(mom);
  if (state.nesterov && !(mom > 0 && damp == 0))
    t7::detail::fail<ValueError>("sgd: Nesterov momentum requires a momentum and zero dampening (momentum ", mom,
                                 ", dampening ", damp, ")");

  // (1) evaluate f(x) and df/dx
  auto [fx, g] = detail::callEval<T>(feval, x);

  // checks, before anything is written
  if (g.sizes() != x.sizes())
    t7::detail::fail<SizeError>("sgd: gradient ", t7::detail::bracketed(g.sizes()), " and parameters ",
                                t7::detail::bracketed(x.sizes()), " differ");
  const bool useWds = wd == 0 && state.weightDecays.dim() != 0;
  const bool useLrs = state.learningRates.dim() != 0;
  Tensor<T> wds, lrs;
  if (useWds) wds = detail::perParameter(state.weightDecays, x, "sgd", "weightDecays");
  if (useLrs) lrs = detail::perParameter(state.learningRates, x, "sgd", "learningRates");
  const bool firstMomentum = mom != 0 && state.dfdx.dim() == 0;
  if (mom != 0 && !firstMomentum && state.dfdx.sizes() != g.sizes())
    t7::detail::fail<SizeError>("sgd: the momentum buffer dfdx ", t7::detail::bracketed(state.dfdx.sizes()),
                                " does not match the gradient ", t7::detail::bracketed(g.sizes()),
                                " (reset state.dfdx and state.evalCounter when the parameters change)");

  // (2) weight decay, single or per parameter (modifies the gradient, as Torch7)
  if (wd != 0)
    g += static_cast<T>(wd) * x;
  else if (useWds)
    g += wds * x;

  // (3) momentum
  Tensor<T> direction = g;
  if (mom != 0) {
    if (firstMomentum)
      state.dfdx = g.clone();
    else
      state.dfdx = state.dfdx * static_cast<T>(mom) + static_cast<T>(1 - damp) * g;
    if (state.nesterov)
      g += static_cast<T>(mom) * state.dfdx;
    else
      direction = state.dfdx;
  }

  // (4) learning-rate decay (annealing), (5) update with one or per-parameter rates
  const T clr = static_cast<T>(lr / (1 + static_cast<double>(state.evalCounter) * lrd));
  if (useLrs)
    x = x - clr * (lrs * direction);
  else
    x = x - clr * direction;

  // (6) count the evaluation
  ++state.evalCounter;
  return {x, fx};
}

template <FloatingElement T, class F>
CheckGradResult<T> checkgrad(F&& feval, Tensor<T>& x, double eps) {
  if (!(eps > 0)) t7::detail::fail<ValueError>("checkgrad: eps must be positive, got ", eps);
  auto [f0, g] = detail::callEval<T>(feval, x);
  (void)f0;
  if (g.nElement() != x.nElement())
    t7::detail::fail<SizeError>("checkgrad: gradient ", t7::detail::bracketed(g.sizes()), " and parameters ",
                                t7::detail::bracketed(x.sizes()), " have different element counts");
  CheckGradResult<T> r;
  r.dC = g.reshape(x.sizes()).clone();  // (reshape may already copy; clone makes it ours)
  r.dC_est = Tensor<T>(x.sizes());
  T* est = r.dC_est.data();
  index_t i = 0;
  for (auto it = x.begin(); it != x.end(); ++it, ++i) {
    const T orig = *it;
    const T up = static_cast<T>(orig + eps), down = static_cast<T>(orig - eps);
    *it = up;
    const double c1 = detail::callEval<T>(feval, x).first;
    *it = down;
    const double c2 = detail::callEval<T>(feval, x).first;
    *it = orig;
    // (the step actually taken; 2 eps when eps vanishes next to x, as Torch7, giving 0)
    double h = static_cast<double>(up) - static_cast<double>(down);
    if (h == 0) h = 2 * eps;
    est[i] = static_cast<T>((c1 - c2) / h);
  }
  double num = 0, den = 0;
  const T* dc = r.dC.data();
  for (index_t k = 0; k < r.dC.nElement(); ++k) {
    const double a = dc[k], b = est[k];
    num += (a - b) * (a - b);
    den += (a + b) * (a + b);
  }
  r.diff = std::sqrt(num) / std::sqrt(den);
  return r;
}

}  // namespace t7::optim
