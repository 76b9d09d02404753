#pragma once
/// \file dropout.hpp
/// `Dropout`: Torch7's nn.Dropout.
///
/// ```cpp
/// nn::Dropout<float> drop(0.3);   // nn.Dropout(0.3)
/// t7::manualSeed(7);              // the mask is drawn from the default generator
/// drop.forward(x);                // training: zeros with probability 0.3, the rest * 1/0.7
/// drop.evaluate().forward(x);     // evaluation: the input unchanged
/// ```

#include <cstdio>
#include <string>

#include "t7/expr.hpp"
#include "t7/nn/module.hpp"

namespace t7::nn {

/// In training, each element is kept with probability 1 - p and dropped (set to 0) with
/// probability p; kept elements are scaled by 1/(1 - p) (version 2, the default), so that
/// evaluation is the identity. Version 1 (`v1 = true`, field v2 = false) does not scale in
/// training and multiplies by (1 - p) in evaluation. The mask (times the scale) is kept in
/// `noise`, drawn with `noise.bernoulli(1 - p)` from the default generator (t7::manualSeed
/// makes it reproducible); the backward multiplies gradOutput by the same noise.
/// `stochasticInference` keeps dropping in evaluation mode too. `inplace`: the input itself
/// is masked and becomes the output, and gradOutput becomes gradInput. 0 <= p < 1.
template <Element T = float>
class Dropout : public ModuleBase<Dropout<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Dropout";

  double p = 0.5;
  bool v2 = true;
  bool inplace = false;
  bool stochastic_inference = false;
  Tensor<T> noise;  // the last mask, scaled by 1/(1 - p) in version 2

  /// Torch7's `nn.Dropout()`: p = 0.5.
  Dropout() = default;
  /// Torch7's `nn.Dropout(p [, v1, inplace, stochasticInference])`.
  explicit Dropout(double prob, bool v1 = false, bool inPlace = false, bool stochasticInference = false)
      : p(prob), v2(!v1), inplace(inPlace), stochastic_inference(stochasticInference) {
    checkP(prob);
  }

  /// Torch7's `setp(p)`.
  Dropout& setp(double prob) {
    checkP(prob);
    p = prob;
    return *this;
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const bool drop = p > 0 && (this->train || stochastic_inference);
    if (drop) {
      if (!noise.isSize(input.sizes())) noise.resize(input.sizes());
      noise.bernoulli(1 - p);
      if (v2) noise.div(static_cast<T>(1 - p));
    }
    if (inplace) {
      this->output = input;
      if (drop) {
        this->output.cmul(noise);
      } else if (!v2 && p > 0) {
        this->output.mul(static_cast<T>(1 - p));
      }
    } else {
      this->output.resize(input.sizes());
      if (drop) {
        this->output = input * noise;
      } else if (!v2 && p > 0) {
        this->output = input * static_cast<T>(1 - p);
      } else {
        this->output.copy(input);
      }
    }
    return this->output;
  }

  const Tensor<T>& updateGradInput(const Tensor<T>&, const Tensor<T>& gradOutput) {
    checkSameSize("Dropout", this->output, gradOutput);
    const bool drop = p > 0 && (this->train || stochastic_inference);
    if (drop && !noise.isSize(gradOutput.sizes()))
      t7::detail::fail<SizeError>("Dropout: call forward before backward (noise ", describe(noise), ", gradOutput ",
                                  describe(gradOutput), ")");
    if (inplace) {
      this->gradInput = gradOutput;
      if (drop) {
        this->gradInput.cmul(noise);
      } else if (!v2 && p > 0) {
        this->gradInput.mul(static_cast<T>(1 - p));
      }
    } else {
      this->gradInput.resize(gradOutput.sizes());
      if (drop) {
        this->gradInput = gradOutput * noise;
      } else if (!v2 && p > 0) {
        this->gradInput = gradOutput * static_cast<T>(1 - p);
      } else {
        this->gradInput.copy(gradOutput);
      }
    }
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("p", p);
    v.option("v2", v2);
    v.option("inplace", inplace);
    v.option("stochastic_inference", stochastic_inference);
    v.buffer("noise", noise);
  }

  /// "nn.Dropout(0.500000)" (Torch7's %f).
  std::string toString() const {
    char buf[64];
    std::snprintf(buf, sizeof buf, "nn.Dropout(%f)", p);
    return buf;
  }

 private:
  static void checkP(double prob) {
    if (!(prob >= 0 && prob < 1))
      t7::detail::fail<ValueError>("Dropout: illegal percentage, must be 0 <= p < 1, got ", prob);
  }
};
Dropout()->Dropout<float>;
Dropout(double)->Dropout<float>;
Dropout(double, bool)->Dropout<float>;
Dropout(double, bool, bool)->Dropout<float>;
Dropout(double, bool, bool, bool)->Dropout<float>;
static_assert(Module<Dropout<float>>);

}  // namespace t7::nn
