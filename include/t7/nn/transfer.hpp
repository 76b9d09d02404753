#pragma once
/// \file transfer.hpp
/// Transfer functions (Torch7's pointwise non-linearities): each a fused expression forward
/// and backward, so one loop each way and no temporary. This part: Tanh, Sigmoid and the
/// rectifiers (Threshold, ReLU, ReLU6, HardTanh, Clamp, LeakyReLU, PReLU, RReLU, ELU, SELU,
/// GELU); nn/transfer_extra.hpp (included here) has the shrinkage, soft and pointwise math
/// modules.
///
/// In-place variants (Torch7's `nn.ReLU(true)`): `output` is the input tensor itself (a
/// handle copy; its values are overwritten), and updateGradInput writes into gradOutput's
/// tensor and returns it as `gradInput`. Gradients at kinks follow Torch7's THNN kernels
/// (ReLU's gradient at exactly 0 is 0: Threshold passes the gradient where input > threshold).

#include <string>

#include "t7/core/generator.hpp"
#include "t7/expr.hpp"
#include "t7/kernels/activation.hpp"
#include "t7/nn/module.hpp"
#include "t7/nn/transfer_extra.hpp"

namespace t7::nn {

/// y = tanh(x); dx = dy * (1 - y^2).
template <Element T = float>
class Tanh : public ModuleBase<Tanh<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Tanh";
  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    this->output.resize(input.sizes());
    this->output = tanh(input);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkSameSize("Tanh", this->output, gradOutput);
    this->gradInput.resize(input.sizes());
    const Tensor<T>& y = this->output;
    this->gradInput = gradOutput * (T(1) - y * y);
    return this->gradInput;
  }
};
Tanh()->Tanh<float>;
static_assert(Module<Tanh<float>>);

/// y = 1 / (1 + exp(-x)); dx = dy * y * (1 - y).
template <Element T = float>
class Sigmoid : public ModuleBase<Sigmoid<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Sigmoid";
  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    this->output.resize(input.sizes());
    this->output = sigmoid(input);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkSameSize("Sigmoid", this->output, gradOutput);
    this->gradInput.resize(input.sizes());
    const Tensor<T>& y = this->output;
    this->gradInput = gradOutput * y * (T(1) - y);
    return this->gradInput;
  }
};
Sigmoid()->Sigmoid<float>;
static_assert(Module<Sigmoid<float>>);

namespace detail {

/// Throws ValueError unless lo < hi (HardTanh's and Clamp's bounds).
inline void checkBounds(const char* op, double lo, double hi) {
  if (!(hi > lo)) t7::detail::fail<ValueError>(op, ": max_value must be larger than min_value, got ", lo, " and ", hi);
}

/// HardTanh's math (Torch7's THNN HardTanh), shared by HardTanh, Clamp and ReLU6: y = lo for
/// x < lo, x on [lo, hi], hi above.
template <Element T>
void hardTanhForward(Tensor<T>& output, const Tensor<T>& input, double lo, double hi, bool inplace) {
  const T a = static_cast<T>(lo), b = static_cast<T>(hi);
  target(output, input, inplace) = where(lt(input, a), a, where(le(input, b), input, b));
}
/// dx = 0 where x <= lo or x >= hi (the bounds included), dy elsewhere. In place, `input` has
/// been overwritten by the output, which gives the same mask.
template <Element T>
void hardTanhBackward(Tensor<T>& gradInput, const Tensor<T>& input, const Tensor<T>& gradOutput, double lo, double hi,
                      bool inplace) {
  const T a = static_cast<T>(lo), b = static_cast<T>(hi);
  target(gradInput, gradOutput, inplace) = where(le(input, a), T(0), where(ge(input, b), T(0), gradOutput));
}

/// Threshold's options and math, shared by Threshold and ReLU (Torch7's ReLU is a
/// Threshold(0, 0)): y = x where x > threshold, else val; dx = dy where x > threshold, else 0.
template <class Derived, Element T>
class ThresholdBase : public ModuleBase<Derived, T> {
 public:
  double threshold = 1e-6;
  double val = 0;
  bool inplace = false;

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    validate();
    target(this->output, input, inplace) = where(gt(input, static_cast<T>(threshold)), input, static_cast<T>(val));
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkGradMatchesInput(name(), input, gradOutput);
    validate();
    // In place, `input` holds the output: output > threshold exactly where input was.
    target(this->gradInput, gradOutput, inplace) = where(gt(input, static_cast<T>(threshold)), gradOutput, T(0));
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("threshold", threshold);
    v.option("val", val);
    v.option("inplace", inplace);
  }

 protected:
  ThresholdBase(double th, double v, bool ip) : threshold(th), val(v), inplace(ip) { validate(); }
  static const char* name() { return Derived::torchType + 3; }
  /// Torch7's validateParameters: in place, val must not exceed threshold (else the
  /// backward could not tell which elements were replaced).
  void validate() const {
    if (inplace && val > threshold)
      t7::detail::fail<ValueError>(name(), ": in-place processing requires value (", val,
                                   ") not exceed threshold (", threshold, ")");
  }
};

/// HardTanh's options, shared by HardTanh and Clamp (Torch7's Clamp is a HardTanh).
template <class Derived, Element T>
class HardTanhBase : public ModuleBase<Derived, T> {
 public:
  double min_val = -1;
  double max_val = 1;
  bool inplace = false;

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    checkBounds(name(), min_val, max_val);
    hardTanhForward(this->output, input, min_val, max_val, inplace);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkGradMatchesInput(name(), input, gradOutput);
    hardTanhBackward(this->gradInput, input, gradOutput, min_val, max_val, inplace);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("min_val", min_val);
    v.option("max_val", max_val);
    v.option("inplace", inplace);
  }

 protected:
  HardTanhBase(double lo, double hi, bool ip) : min_val(lo), max_val(hi), inplace(ip) { checkBounds(name(), lo, hi); }
  static const char* name() { return Derived::torchType + 3; }
};

}  // namespace detail

/// y = x where x > threshold, else val (Torch7's `nn.Threshold(th=1e-6, v=0, inplace=false)`);
/// dx = dy where x > threshold, else 0. In place, val must not exceed threshold (ValueError).
template <Element T = float>
class Threshold : public detail::ThresholdBase<Threshold<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Threshold";
  Threshold() : Threshold(1e-6) {}
  explicit Threshold(double th, double v = 0, bool inplace = false) : detail::ThresholdBase<Threshold<T>, T>(th, v, inplace) {}
};
Threshold()->Threshold<float>;
Threshold(double)->Threshold<float>;
Threshold(double, double)->Threshold<float>;
Threshold(double, double, bool)->Threshold<float>;
static_assert(Module<Threshold<float>>);

/// y = max(0, x) (Torch7's `nn.ReLU(inplace=false)` = Threshold(0, 0)); the gradient at
/// exactly 0 is 0.
template <Element T = float>
class ReLU : public detail::ThresholdBase<ReLU<T>, T> {
 public:
  static constexpr const char* torchType = "nn.ReLU";
  ReLU() : ReLU(false) {}
  explicit ReLU(bool inplace) : detail::ThresholdBase<ReLU<T>, T>(0, 0, inplace) {}
};
ReLU()->ReLU<float>;
ReLU(bool)->ReLU<float>;
static_assert(Module<ReLU<float>>);

/// y = min(max(x, 0), 6) (Torch7's `nn.ReLU6(inplace=false)`, HardTanh's kernel on [0, 6]);
/// the gradient is 0 at 0 and at 6.
template <Element T = float>
class ReLU6 : public ModuleBase<ReLU6<T>, T> {
 public:
  static constexpr const char* torchType = "nn.ReLU6";
  bool inplace = false;

  ReLU6() = default;
  explicit ReLU6(bool inplace) : inplace(inplace) {}

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    detail::hardTanhForward(this->output, input, 0, 6, inplace);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    detail::checkGradMatchesInput("ReLU6", input, gradOutput);
    detail::hardTanhBackward(this->gradInput, input, gradOutput, 0, 6, inplace);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("inplace", inplace);
  }
};
ReLU6()->ReLU6<float>;
ReLU6(bool)->ReLU6<float>;
static_assert(Module<ReLU6<float>>);

/// y = min_val for x < min_val, x on [min_val, max_val], max_val above (Torch7's
/// `nn.HardTanh(min=-1, max=1, inplace=false)`); the gradient is 0 at and beyond the bounds.
/// ValueError unless max > min.
template <Element T = float>
class HardTanh : public detail::HardTanhBase<HardTanh<T>, T> {
 public:
  static constexpr const char* torchType = "nn.HardTanh";
  HardTanh() : HardTanh(-1, 1) {}
  HardTanh(double minValue, double maxValue, bool inplace = false)
      : detail::HardTanhBase<HardTanh<T>, T>(minValue, maxValue, inplace) {}
};
HardTanh()->HardTanh<float>;
HardTanh(double, double)->HardTanh<float>;
HardTanh(double, double, bool)->HardTanh<float>;
static_assert(Module<HardTanh<float>>);

/// Torch7's `nn.Clamp(min, max)`: HardTanh with the given bounds (never in place, as Torch7).
template <Element T = float>
class Clamp : public detail::HardTanhBase<Clamp<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Clamp";
  Clamp() : Clamp(-1, 1) {}
  Clamp(double minValue, double maxValue) : detail::HardTanhBase<Clamp<T>, T>(minValue, maxValue, false) {}
};
Clamp()->Clamp<float>;
Clamp(double, double)->Clamp<float>;
static_assert(Module<Clamp<float>>);

/// y = x for x > 0, negval x otherwise (Torch7's `nn.LeakyReLU(negval=1/100, inplace=false)`);
/// dx = dy for x > 0, negval dy otherwise. In place needs negval >= 0 (ValueError; Torch7
/// did not check and gave wrong gradients).
template <Element T = float>
class LeakyReLU : public ModuleBase<LeakyReLU<T>, T> {
 public:
  static constexpr const char* torchType = "nn.LeakyReLU";
  double negval = 1.0 / 100;
  bool inplace = false;

  LeakyReLU() = default;
  explicit LeakyReLU(double negval, bool inplace = false) : negval(negval), inplace(inplace) { validate(); }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    validate();
    const T a = static_cast<T>(negval);
    detail::target(this->output, input, inplace) = where(gt(input, T(0)), input, input * a);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    detail::checkGradMatchesInput("LeakyReLU", input, gradOutput);
    const T a = static_cast<T>(negval);
    detail::target(this->gradInput, gradOutput, inplace) = where(gt(input, T(0)), gradOutput, gradOutput * a);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("negval", negval);
    v.option("inplace", inplace);
  }

 private:
  void validate() const {
    if (inplace && negval < 0)
      t7::detail::fail<ValueError>("LeakyReLU: in-place processing requires negval >= 0, got ", negval);
  }
};
LeakyReLU()->LeakyReLU<float>;
LeakyReLU(double)->LeakyReLU<float>;
LeakyReLU(double, bool)->LeakyReLU<float>;
static_assert(Module<LeakyReLU<float>>);

/// y = x for x > 0, w x otherwise, with a learned slope w (Torch7's `nn.PReLU(nOutputPlane=0)`):
/// one shared weight when nOutputPlane is 0, else one per channel, the channel being dimension
/// 0 of a 1-D input [C] and dimension 1 otherwise ([N x C], [N x C x L], [N x C x H x W]; a
/// 3-D input is [N x C x L], as in Torch7's THNN). Weights start at 0.25; gradWeight
/// accumulates sum over x <= 0 of x dy.
template <Element T = float>
class PReLU : public ModuleBase<PReLU<T>, T> {
 public:
  static constexpr const char* torchType = "nn.PReLU";
  index_t nOutputPlane = 0;
  Tensor<T> weight, gradWeight;
  Tensor<T> gradWeightBuf;  // per-channel sums of one accGradParameters

  PReLU() : PReLU(0) {}
  explicit PReLU(index_t nOutputPlane) : nOutputPlane(nOutputPlane) {
    if (nOutputPlane < 0) t7::detail::fail<ValueError>("PReLU: nOutputPlane must be >= 0, got ", nOutputPlane);
    const index_t n = nOutputPlane > 0 ? nOutputPlane : 1;
    weight.resize(n);
    weight.fill(T(0.25));
    gradWeight.resize(n);
    gradWeight.zero();
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    checkInput(input);
    kernels::preluForward(this->output, input, weight, nOutputPlane);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkInput(input);
    detail::checkGradMatchesInput("PReLU", input, gradOutput);
    kernels::preluBackwardInput(this->gradInput, input, gradOutput, weight, nOutputPlane);
    return this->gradInput;
  }
  void accGradParameters(const Tensor<T>& input, const Tensor<T>& gradOutput, double scale = 1) {
    checkInput(input);
    detail::checkGradMatchesInput("PReLU", input, gradOutput);
    kernels::preluAccGrad(gradWeight, input, gradOutput, nOutputPlane, scale, gradWeightBuf);
  }
  template <class V>
  void fields(V& v) {
    v.parameter("weight", weight, "gradWeight", gradWeight);
    v.option("nOutputPlane", nOutputPlane);
    v.buffer("gradWeightBuf", gradWeightBuf);
  }

 private:
  void checkInput(const Tensor<T>& input) const {
    if (input.dim() == 0) t7::detail::fail<SizeError>("PReLU: expected a non-empty input, got []");
    if (weight.nElement() != (nOutputPlane > 0 ? nOutputPlane : 1))
      t7::detail::fail<SizeError>("PReLU: weight [", weight.sizes().toString(), "] does not match nOutputPlane ",
                                  nOutputPlane);
    if (nOutputPlane == 0) return;
    const int c = kernels::preluChannelDim(input.dim());
    if (input.size(c) != nOutputPlane)
      t7::detail::fail<SizeError>("PReLU: expected ", nOutputPlane, " input planes in dimension ", c, ", got [",
                                  input.sizes().toString(), "]");
  }
};
PReLU()->PReLU<float>;
PReLU(index_t)->PReLU<float>;
static_assert(Module<PReLU<float>>);

/// Randomized leaky ReLU (Torch7's `nn.RReLU(lower=1/8, upper=1/3, inplace=false)`). Training:
/// each x <= 0 gets a slope drawn uniformly in [lower, upper] from the default generator
/// (kept in `noise`, 1 for x > 0; draw for draw as Torch7); dx = dy * noise. Evaluation: the
/// fixed slope (lower + upper) / 2. ValueError unless 0 <= lower <= upper.
template <Element T = float>
class RReLU : public ModuleBase<RReLU<T>, T> {
 public:
  static constexpr const char* torchType = "nn.RReLU";
  double lower = 1.0 / 8;
  double upper = 1.0 / 3;
  bool inplace = false;
  Tensor<T> noise;

  RReLU() = default;
  explicit RReLU(double lower, double upper = 1.0 / 3, bool inplace = false)
      : lower(lower), upper(upper), inplace(inplace) {
    validate();
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    validate();
    if (this->train) {
      kernels::rreluTrainForward(this->output, noise, input, lower, upper, inplace, defaultGenerator());
    } else {
      const T slope = negSlope();
      detail::target(this->output, input, inplace) = where(le(input, T(0)), input * slope, input);
    }
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    detail::checkGradMatchesInput("RReLU", input, gradOutput);
    if (this->train && upper - lower > 1e-6) {  // else the slope is constant: Torch7's rule
      checkSameSize("RReLU", noise, gradOutput);
      detail::target(this->gradInput, gradOutput, inplace) = gradOutput * noise;
    } else {
      const T slope = negSlope();
      detail::target(this->gradInput, gradOutput, inplace) = where(le(input, T(0)), gradOutput * slope, gradOutput);
    }
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("lower", lower);
    v.option("upper", upper);
    v.option("inplace", inplace);
    v.buffer("noise", noise);
  }
  /// "nn.RReLU (l:0.125000, u:0.333333, channel-wise:false)", as Torch7.
  std::string toString() const {
    return std::string(torchType) + " (l:" + std::to_string(lower) + ", u:" + std::to_string(upper) +
           ", channel-wise:false)";
  }

 private:
  T negSlope() const { return (static_cast<T>(lower) + static_cast<T>(upper)) / T(2); }
  void validate() const {
    if (!(lower >= 0 && upper >= 0 && lower <= upper))
      t7::detail::fail<ValueError>("RReLU: expected 0 <= lower <= upper, got lower = ", lower, ", upper = ", upper);
  }
};
RReLU()->RReLU<float>;
RReLU(double)->RReLU<float>;
RReLU(double, double)->RReLU<float>;
RReLU(double, double, bool)->RReLU<float>;
static_assert(Module<RReLU<float>>);

/// y = x for x > 0, alpha (exp(x) - 1) otherwise (Torch7's `nn.ELU(alpha=1, inplace=false)`);
/// dx from the output: dy for y > 0, dy (y + alpha) otherwise.
template <Element T = float>
class ELU : public ModuleBase<ELU<T>, T> {
 public:
  static constexpr const char* torchType = "nn.ELU";
  double alpha = 1;
  bool inplace = false;

  ELU() = default;
  explicit ELU(double alpha, bool inplace = false) : alpha(alpha), inplace(inplace) {}

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const T a = static_cast<T>(alpha);
    detail::target(this->output, input, inplace) = where(le(input, T(0)), expm1(input) * a, input);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    detail::checkGradMatchesInput("ELU", input, gradOutput);
    checkSameSize("ELU", this->output, gradOutput);
    const T a = static_cast<T>(alpha);
    const Tensor<T>& y = this->output;
    detail::target(this->gradInput, gradOutput, inplace) = where(le(y, T(0)), gradOutput * (y + a), gradOutput);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("alpha", alpha);
    v.option("inplace", inplace);
  }
  /// "nn.ELU (alpha:1.000000)", as Torch7.
  std::string toString() const { return std::string(torchType) + " (alpha:" + std::to_string(alpha) + ")"; }
};
ELU()->ELU<float>;
ELU(double)->ELU<float>;
ELU(double, bool)->ELU<float>;
static_assert(Module<ELU<float>>);

/// Scaled ELU (Klambauer et al. 2017; Torch7's nn has none, "nn.SELU" is ours):
/// y = scale x for x > 0, scale alpha (exp(x) - 1) otherwise, with the paper's constants;
/// dx from the output: scale dy for y > 0, dy (y + scale alpha) otherwise.
template <Element T = float>
class SELU : public ModuleBase<SELU<T>, T> {
 public:
  static constexpr const char* torchType = "nn.SELU";
  static constexpr double alpha = 1.6732632423543772848170429916717;
  static constexpr double scale = 1.0507009873554804934193349852946;
  bool inplace = false;

  SELU() = default;
  explicit SELU(bool inplace) : inplace(inplace) {}

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const T s = static_cast<T>(scale), sa = static_cast<T>(scale * alpha);
    detail::target(this->output, input, inplace) = where(le(input, T(0)), expm1(input) * sa, input * s);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    detail::checkGradMatchesInput("SELU", input, gradOutput);
    checkSameSize("SELU", this->output, gradOutput);
    const T s = static_cast<T>(scale), sa = static_cast<T>(scale * alpha);
    const Tensor<T>& y = this->output;
    detail::target(this->gradInput, gradOutput, inplace) = where(le(y, T(0)), gradOutput * (y + sa), gradOutput * s);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("inplace", inplace);
  }
};
SELU()->SELU<float>;
SELU(bool)->SELU<float>;
static_assert(Module<SELU<float>>);

/// Gaussian error linear unit, exact form y = x Phi(x) = 0.5 x (1 + erf(x / sqrt 2))
/// (Hendrycks & Gimpel 2016; Torch7's nn has none, "nn.GELU" is ours); dx = dy (Phi(x) +
/// x phi(x)). Math in kernels/activation.hpp.
template <Element T = float>
class GELU : public ModuleBase<GELU<T>, T> {
 public:
  static constexpr const char* torchType = "nn.GELU";
  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    kernels::geluForward(this->output, input);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    detail::checkGradMatchesInput("GELU", input, gradOutput);
    kernels::geluBackward(this->gradInput, input, gradOutput);
    return this->gradInput;
  }
};
GELU()->GELU<float>;
static_assert(Module<GELU<float>>);

}  // namespace t7::nn
