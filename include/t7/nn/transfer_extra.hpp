#pragma once
/// \file transfer_extra.hpp
/// Transfer functions, part 2: the shrinkage functions, SoftPlus, SoftSign, LogSigmoid, and
/// the pointwise math modules (Abs, Square, Sqrt, Power, Exp, Log, TanhShrink). Each is a
/// fused expression forward and backward: one loop each way, no temporary. Included by
/// nn/transfer.hpp (the rectifiers, Tanh, Sigmoid); include that one.
///
/// Gradients follow Torch7's THNN kernels exactly, kinks included (e.g. Abs' gradient at 0 is
/// +1, Sqrt's is 0 where the output is 0, HardShrink's is 0 on [-lambda, lambda]).

#include <string>

#include "t7/expr.hpp"
#include "t7/nn/module.hpp"

namespace t7::nn {

namespace detail {

/// Throws SizeError when a gradOutput's sizes differ from the input's (for modules whose
/// gradient is computed from the input).
template <Element T>
void checkGradMatchesInput(const char* op, const Tensor<T>& input, const Tensor<T>& gradOutput) {
  if (!gradOutput.isSameSizeAs(input))
    t7::detail::fail<SizeError>(op, ": gradOutput [", gradOutput.sizes().toString(), "] differs from the input [",
                                input.sizes().toString(), "]");
}

/// Where a module that may work in place writes: `source` itself (a handle copy of the
/// caller's tensor, whose values are then overwritten) or `own`, resized like `source`.
template <Element T>
Tensor<T>& target(Tensor<T>& own, const Tensor<T>& source, bool inplace) {
  if (inplace) {
    own = source;
  } else {
    own.resize(source.sizes());
  }
  return own;
}

}  // namespace detail

/// y = x for x > lambda or x < -lambda, else 0; dx = 0 on [-lambda, lambda].
template <Element T = float>
class HardShrink : public ModuleBase<HardShrink<T>, T> {
 public:
  static constexpr const char* torchType = "nn.HardShrink";
  double lambda = 0.5;

  HardShrink() = default;
  explicit HardShrink(double lambda) : lambda(lambda) {}

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const T l = static_cast<T>(lambda);
    this->output.resize(input.sizes());
    this->output = where(gt(input, l), input, where(ge(input, -l), T(0), input));
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    detail::checkGradMatchesInput("HardShrink", input, gradOutput);
    const T l = static_cast<T>(lambda);
    this->gradInput.resize(input.sizes());
    this->gradInput = where(ge(input, -l), where(le(input, l), T(0), gradOutput), gradOutput);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("lambda", lambda);
  }
};
HardShrink()->HardShrink<float>;
HardShrink(double)->HardShrink<float>;
static_assert(Module<HardShrink<float>>);

/// y = x - lambda for x > lambda, x + lambda for x < -lambda, else 0; dx = 0 on
/// [-lambda, lambda].
template <Element T = float>
class SoftShrink : public ModuleBase<SoftShrink<T>, T> {
 public:
  static constexpr const char* torchType = "nn.SoftShrink";
  double lambda = 0.5;

  SoftShrink() = default;
  explicit SoftShrink(double lambda) : lambda(lambda) {}

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const T l = static_cast<T>(lambda);
    this->output.resize(input.sizes());
    this->output = where(gt(input, l), input - l, where(ge(input, -l), T(0), input + l));
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    detail::checkGradMatchesInput("SoftShrink", input, gradOutput);
    const T l = static_cast<T>(lambda);
    this->gradInput.resize(input.sizes());
    this->gradInput = where(gt(input, l), gradOutput, where(lt(input, -l), gradOutput, T(0)));
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("lambda", lambda);
  }
};
SoftShrink()->SoftShrink<float>;
SoftShrink(double)->SoftShrink<float>;
static_assert(Module<SoftShrink<float>>);

/// y = log(1 + exp(beta x)) / beta, and y = x where beta x > threshold (Torch7's guard
/// against overflow); dx = dy (1 - exp(-beta y)), dy where beta y > threshold.
template <Element T = float>
class SoftPlus : public ModuleBase<SoftPlus<T>, T> {
 public:
  static constexpr const char* torchType = "nn.SoftPlus";
  double beta = 1;
  double threshold = 20;

  SoftPlus() = default;
  /// Torch7's `nn.SoftPlus(beta)`; `threshold` (Torch7's fixed field, 20) may be given too.
  explicit SoftPlus(double beta, double threshold = 20) : beta(beta), threshold(threshold) {}

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const T b = static_cast<T>(beta), th = static_cast<T>(threshold);
    this->output.resize(input.sizes());
    this->output = where(gt(input * b, th), input, log1p(exp(input * b)) / b);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkSameSize("SoftPlus", this->output, gradOutput);
    const T b = static_cast<T>(beta), th = static_cast<T>(threshold);
    const Tensor<T>& y = this->output;
    this->gradInput.resize(input.sizes());
    // (exp(b y) - 1) / exp(b y), written as -expm1(-b y) to keep its precision near 0.
    this->gradInput = where(gt(y * b, th), gradOutput, -(gradOutput * expm1(y * (-b))));
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("beta", beta);
    v.option("threshold", threshold);
  }
};
SoftPlus()->SoftPlus<float>;
SoftPlus(double)->SoftPlus<float>;
SoftPlus(double, double)->SoftPlus<float>;
static_assert(Module<SoftPlus<float>>);

/// y = x / (1 + |x|); dx = dy / (1 + |x|)^2.
template <Element T = float>
class SoftSign : public ModuleBase<SoftSign<T>, T> {
 public:
  static constexpr const char* torchType = "nn.SoftSign";
  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    this->output.resize(input.sizes());
    this->output = input / (abs(input) + T(1));
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    detail::checkGradMatchesInput("SoftSign", input, gradOutput);
    this->gradInput.resize(input.sizes());
    this->gradInput = gradOutput / ((abs(input) + T(1)) * (abs(input) + T(1)));
    return this->gradInput;
  }
};
SoftSign()->SoftSign<float>;
static_assert(Module<SoftSign<float>>);

/// y = log(1 / (1 + exp(-x))), computed without overflow as -(max(-x, 0) + log1p(exp(-|x|)));
/// dx = dy (1 - sigmoid(x)). `buffer` keeps 1 - sigmoid(x) = sigmoid(-x) from the forward
/// (Torch7 kept exp(-x), which overflows for x < -88 in float).
template <Element T = float>
class LogSigmoid : public ModuleBase<LogSigmoid<T>, T> {
 public:
  static constexpr const char* torchType = "nn.LogSigmoid";
  Tensor<T> buffer;

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    this->output.resize(input.sizes());
    this->output = -(cmax(-input, T(0)) + log1p(exp(-abs(input))));
    buffer.resize(input.sizes());
    buffer = sigmoid(-input);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    detail::checkGradMatchesInput("LogSigmoid", input, gradOutput);
    checkSameSize("LogSigmoid", buffer, gradOutput);
    this->gradInput.resize(input.sizes());
    this->gradInput = gradOutput * buffer;
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.buffer("buffer", buffer);
  }
};
LogSigmoid()->LogSigmoid<float>;
static_assert(Module<LogSigmoid<float>>);

/// y = |x|; dx = dy for x >= 0 (0 included, as Torch7), -dy for x < 0.
template <Element T = float>
class Abs : public ModuleBase<Abs<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Abs";
  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    this->output.resize(input.sizes());
    this->output = abs(input);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    detail::checkGradMatchesInput("Abs", input, gradOutput);
    this->gradInput.resize(input.sizes());
    this->gradInput = where(ge(input, T(0)), gradOutput, -gradOutput);
    return this->gradInput;
  }
};
Abs()->Abs<float>;
static_assert(Module<Abs<float>>);

/// y = x^2; dx = 2 x dy.
template <Element T = float>
class Square : public ModuleBase<Square<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Square";
  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    this->output.resize(input.sizes());
    this->output = input * input;
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    detail::checkGradMatchesInput("Square", input, gradOutput);
    this->gradInput.resize(input.sizes());
    this->gradInput = input * gradOutput * T(2);
    return this->gradInput;
  }
};
Square()->Square<float>;
static_assert(Module<Square<float>>);

/// y = sqrt(x); dx = dy / (2 y), and 0 where y = 0 (Torch7's guard). A negative input gives
/// NaN, as in Torch7 (no error). `eps` is kept for Torch7's field but unused, as in Torch7's
/// CPU kernel (its CUDA kernel computed sqrt(x + eps)).
template <Element T = float>
class Sqrt : public ModuleBase<Sqrt<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Sqrt";
  double eps = 0;

  Sqrt() = default;
  explicit Sqrt(double eps) : eps(eps) {}

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    this->output.resize(input.sizes());
    this->output = sqrt(input);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkSameSize("Sqrt", this->output, gradOutput);
    const Tensor<T>& y = this->output;
    this->gradInput.resize(input.sizes());
    this->gradInput = where(eq(y, T(0)), T(0), gradOutput / y * T(0.5));
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("eps", eps);
  }
};
Sqrt()->Sqrt<float>;
Sqrt(double)->Sqrt<float>;
static_assert(Module<Sqrt<float>>);

/// y = x^p; dx = p x^(p-1) dy. Torch7's field is `pow`. A negative x with a non-integer p
/// gives NaN (no error).
template <Element T = float>
class Power : public ModuleBase<Power<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Power";
  double pow = 1;

  /// An identity Power (p = 1), for conversion and loading; Torch7 requires p.
  Power() = default;
  explicit Power(double p) : pow(p) {}

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    this->output.resize(input.sizes());
    this->output = t7::pow(input, static_cast<T>(pow));
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    detail::checkGradMatchesInput("Power", input, gradOutput);
    this->gradInput.resize(input.sizes());
    this->gradInput = t7::pow(input, static_cast<T>(pow - 1)) * gradOutput * static_cast<T>(pow);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("pow", pow);
  }
};
Power(double)->Power<float>;
static_assert(Module<Power<float>>);

/// y = exp(x); dx = dy y.
template <Element T = float>
class Exp : public ModuleBase<Exp<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Exp";
  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    this->output.resize(input.sizes());
    this->output = exp(input);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkSameSize("Exp", this->output, gradOutput);
    this->gradInput.resize(input.sizes());
    this->gradInput = gradOutput * this->output;
    return this->gradInput;
  }
};
Exp()->Exp<float>;
static_assert(Module<Exp<float>>);

/// y = log(x); dx = dy / x. A negative input gives NaN, 0 gives -inf (no error).
template <Element T = float>
class Log : public ModuleBase<Log<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Log";
  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    this->output.resize(input.sizes());
    this->output = log(input);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    detail::checkGradMatchesInput("Log", input, gradOutput);
    this->gradInput.resize(input.sizes());
    this->gradInput = gradOutput / input;
    return this->gradInput;
  }
};
Log()->Log<float>;
static_assert(Module<Log<float>>);

/// y = x - tanh(x); dx = dy tanh(x)^2. (Torch7 ran an inner nn.Tanh, its field `tanh`;
/// here one fused loop each way.)
template <Element T = float>
class TanhShrink : public ModuleBase<TanhShrink<T>, T> {
 public:
  static constexpr const char* torchType = "nn.TanhShrink";
  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    this->output.resize(input.sizes());
    this->output = input - tanh(input);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    detail::checkGradMatchesInput("TanhShrink", input, gradOutput);
    this->gradInput.resize(input.sizes());
    this->gradInput = gradOutput * tanh(input) * tanh(input);
    return this->gradInput;
  }
};
TanhShrink()->TanhShrink<float>;
static_assert(Module<TanhShrink<float>>);

}  // namespace t7::nn
