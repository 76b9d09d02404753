#pragma once
/// \file sequential.hpp
/// `Sequential`: Torch7's nn.Sequential, children run one after the other.
///
/// ```cpp
/// nn::Sequential<float> mlp;
/// mlp.add(nn::Linear(784, 500)).add(nn::Tanh()).add(nn::Linear(500, 10)).add(nn::LogSoftMax());
/// auto& y = mlp.forward(x);            // an Activity: y.tensor()
/// ```

#include <string>

#include "t7/nn/container.hpp"

namespace t7::nn {

/// Children run in order: the output of child i is the input of child i + 1.
template <Element T = float>
class Sequential final : public Container<Sequential<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Sequential";

  Sequential() = default;

  const Activity<T>& updateOutput(const Activity<T>& input) override {
    const Activity<T>* x = &input;
    for (std::size_t i = 0; i < this->modules.size(); ++i)
      x = &this->inChild(i, [&]() -> const Activity<T>& { return this->modules[i]->updateOutput(*x); });
    this->output = *x;
    return this->output;
  }

  const Activity<T>& updateGradInput(const Activity<T>& input, const Activity<T>& gradOutput) override {
    const Activity<T>* g = &gradOutput;
    for (std::size_t i = this->modules.size(); i-- > 0;)
      g = &this->inChild(i, [&]() -> const Activity<T>& { return this->modules[i]->updateGradInput(inputOf(i, input), *g); });
    this->gradInput = *g;
    return this->gradInput;
  }

  void accGradParameters(const Activity<T>& input, const Activity<T>& gradOutput, double scale = 1) override {
    const Activity<T>* g = &gradOutput;
    for (std::size_t i = this->modules.size(); i-- > 0;) {
      this->inChild(i, [&] { this->modules[i]->accGradParameters(inputOf(i, input), *g, scale); });
      g = &this->modules[i]->gradInput;
    }
  }

  /// One pass from the last child to the first, each child's backward in turn (Torch7's order).
  const Activity<T>& backward(const Activity<T>& input, const Activity<T>& gradOutput, double scale = 1) override {
    const Activity<T>* g = &gradOutput;
    for (std::size_t i = this->modules.size(); i-- > 0;)
      g = &this->inChild(i, [&]() -> const Activity<T>& { return this->modules[i]->backward(inputOf(i, input), *g, scale); });
    this->gradInput = *g;
    return this->gradInput;
  }

  /// Torch7's tree: `nn.Sequential {\n  [input -> (0) -> (1) -> output]\n  (0): ...\n}`.
  std::string toString() const override {
    const std::string tab = "  ";
    std::string s = "nn.Sequential {\n" + tab + "[input";
    for (std::size_t i = 0; i < this->modules.size(); ++i) s += " -> (" + std::to_string(i) + ")";
    s += " -> output]";
    for (std::size_t i = 0; i < this->modules.size(); ++i)
      s += "\n" + tab + "(" + std::to_string(i) + "): " + this->indent(this->modules[i]->toString(), tab);
    return s + "\n}";
  }

 private:
  const Activity<T>& inputOf(std::size_t i, const Activity<T>& input) const {
    return i == 0 ? input : this->modules[i - 1]->output;
  }
};

static_assert(Module<Sequential<float>>);

}  // namespace t7::nn
