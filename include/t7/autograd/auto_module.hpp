#pragma once
/// \file auto_module.hpp
/// The reverse bridge (torch-autograd's `autograd.nn.AutoModule` and `AutoCriterion`): an
/// autograd function as an nn module, so it sits in a Sequential and trains with optim like
/// any layer, or as an nn criterion. Its gradients come from autograd.
///
/// ```cpp
/// // y = x W + b with a soft-threshold: written once, as tensor code
/// auto fn = [](const std::vector<ag::Var<float>>& w, const ag::Var<float>& x) {
///   auto y = ag::mm(x, w[0]) + w[1];
///   return y - tanh(y);
/// };
/// nn::Sequential<float> net;
/// net.add(ag::autoModule<float>(fn, {W, b})).add(nn::LogSoftMax<float>());
/// ```
///
/// forward records `fn(weights, input)` on a tape the module keeps; updateGradInput replays it
/// from gradOutput, and accGradParameters adds the weights' gradients, times `scale`, into
/// `gradWeights` (reusing updateGradInput's replay when it comes right after it with the same
/// gradOutput, as in `backward`).
/// getParameters, zeroGradParameters, updateParameters and clone work as for any module. The
/// function is C++ code: the module cannot be saved to a .t7 file or change its element type.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "t7/autograd/grad.hpp"
#include "t7/nn/criterion.hpp"
#include "t7/nn/module.hpp"

namespace t7::autograd {

/// An autograd function `fn(weights, input)` as an nn module (see the file comment).
template <FloatingElement T, class F>
class AutoModule : public nn::ModuleBase<AutoModule<T, F>, T> {
 public:
  std::vector<Tensor<T>> weights, gradWeights;

  AutoModule(F fn, std::vector<Tensor<T>> initial) : weights(std::move(initial)), fn_(std::move(fn)) {
    for (std::size_t i = 0; i < weights.size(); ++i) {
      gradWeights.push_back(t7::zeros<T>(weights[i].sizes()));
      names_.push_back("weight" + std::to_string(i));
      gradNames_.push_back("gradWeight" + std::to_string(i));
    }
  }
  // (a copy gets the function and the tensors, not the recorded tape)
  AutoModule(const AutoModule& o)
      : nn::ModuleBase<AutoModule<T, F>, T>(o), weights(o.weights), gradWeights(o.gradWeights), fn_(o.fn_),
        names_(o.names_), gradNames_(o.gradNames_) {}
  AutoModule& operator=(const AutoModule& o) {
    if (this != &o) *this = AutoModule(o);
    return *this;
  }
  AutoModule(AutoModule&&) noexcept = default;
  AutoModule& operator=(AutoModule&&) noexcept = default;

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    recorded_ = std::make_unique<Recorded>();
    detail::TapeScope scope(recorded_->tape);
    recorded_->input = detail::track(input, recorded_->tape);
    for (const auto& w : weights) recorded_->weights.push_back(detail::track(w, recorded_->tape));
    recorded_->output = detail::toVar<T>(fn_(std::as_const(recorded_->weights), std::as_const(recorded_->input)));
    this->output = recorded_->output.value();
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    replay(gradOutput);
    replayedFor_ = gradOutput;  // accGradParameters with this gradOutput reuses the replay
    detail::TapeScope scope(recorded_->tape);
    this->gradInput = detail::gradientOf(recorded_->input, input, nullptr);
    return this->gradInput;
  }
  void accGradParameters(const Tensor<T>&, const Tensor<T>& gradOutput, double scale = 1) {
    if (!(replayedFor_.dim() != 0 && gradOutput.isSetTo(replayedFor_))) replay(gradOutput);
    replayedFor_ = Tensor<T>();
    detail::TapeScope scope(recorded_->tape);
    for (std::size_t i = 0; i < weights.size(); ++i) {
      const detail::Node<T>* n = recorded_->weights[i].node();
      if (n && n->hasGrad()) gradWeights[i].add(static_cast<T>(scale), n->grad);
    }
  }
  template <class V>
  void fields(V& v) {
    for (std::size_t i = 0; i < weights.size(); ++i)
      v.parameter(names_[i].c_str(), weights[i], gradNames_[i].c_str(), gradWeights[i]);
  }
  std::string toString() const { return "autograd.AutoModule(" + std::to_string(weights.size()) + " weights)"; }

 private:
  struct Recorded {
    detail::Tape tape;
    Var<T> input, output;
    std::vector<Var<T>> weights;
  };

  /// Runs the recorded tape backwards from gradOutput (the leaves' gradients of an earlier
  /// replay cleared first: one forward may be followed by several backward passes, as the
  /// Jacobian checker does).
  void replay(const Tensor<T>& gradOutput) {
    if (!recorded_)
      t7::detail::fail<AutogradError>("AutoModule: backward before forward (updateOutput records the function)");
    if (!gradOutput.isSameSizeAs(this->output))
      t7::detail::fail<SizeError>("AutoModule: gradOutput [", gradOutput.sizes().toString(), "] differs from the output [",
                                  this->output.sizes().toString(), "]");
    detail::TapeScope scope(recorded_->tape);
    auto clear = [](detail::Node<T>* n) {
      if (n) n->releaseLeaf();
    };
    clear(recorded_->input.node());
    for (auto& w : recorded_->weights) clear(w.node());
    if (auto* root = recorded_->output.node()) {
      if (root->hasGrad()) root->releaseLeaf();  // (the output is itself a leaf when fn returns a weight)
      root->accumulate(gradOutput, false);
      recorded_->tape.backward();
    }
  }

  F fn_;
  std::vector<std::string> names_, gradNames_;
  std::unique_ptr<Recorded> recorded_;
  Tensor<T> replayedFor_;
};

/// `fn(weights, input)` (weights: `const std::vector<Var<T>>&`) as an nn module whose
/// weights start as `initial` (see the file comment).
template <FloatingElement T, class F>
AutoModule<T, F> autoModule(F fn, std::vector<Tensor<T>> initial) {
  return AutoModule<T, F>(std::move(fn), std::move(initial));
}

/// An autograd function `fn(input, target)` returning a one-element Var as an nn criterion
/// (torch-autograd's `autograd.nn.AutoCriterion`): forward is its value, backward its
/// gradient with respect to the input, from autograd. Target: what the criterion compares
/// with (a tensor of T by default, a LongTensor of class indices...).
///
/// ```cpp
/// auto huber = ag::autoCriterion<float>([](const ag::Var<float>& x, const FloatTensor& t) {
///   auto d = abs(x - t);
///   return ag::mean(where(lt(d, 1.0f), 0.5f * d * d, d - 0.5f));
/// });
/// double loss = huber.forward(net.forward(x).tensor(), y);
/// net.backward(x, huber.backward(net.output.tensor(), y));
/// ```
template <FloatingElement T, class F, class Target = Tensor<T>>
class AutoCriterion : public nn::CriterionBase<AutoCriterion<T, F, Target>, T, Tensor<T>, Target> {
 public:
  explicit AutoCriterion(F fn) : fn_(std::move(fn)) {}

  double updateOutput(const Tensor<T>& input, const Target& target) {
    const Var<T> loss = detail::toVar<T>(fn_(Var<T>(input), target));  // (no tape: constants)
    if (loss.nElement() != 1)
      t7::detail::fail<AutogradError>("AutoCriterion: the function must return one element, got size ",
                                      loss.sizes().toString());
    this->output = static_cast<double>(loss.item());
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Target& target) {
    auto df = grad([this, &target](const Var<T>& x) { return fn_(x, target); });
    auto [g, loss] = df(input);
    this->gradInput = std::move(g);
    return this->gradInput;
  }
  std::string toString() const { return "autograd.AutoCriterion"; }

 private:
  F fn_;
};

/// `fn(input, target)` as an nn criterion (see AutoCriterion).
template <FloatingElement T, class Target = Tensor<T>, class F>
AutoCriterion<T, F, Target> autoCriterion(F fn) {
  return AutoCriterion<T, F, Target>(std::move(fn));
}

}  // namespace t7::autograd
