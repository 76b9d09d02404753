#pragma once
/// \file classnll.hpp
/// `ClassNLLCriterion`: Torch7's negative log-likelihood of the target class, on
/// log-probabilities (the output of LogSoftMax). Targets are 0-based class indices.

#include <cstdint>
#include <string>

#include "t7/nn/criterion.hpp"

namespace t7::nn {

/// loss = -sum_i w[t_i] x[i, t_i], divided by sum_i w[t_i] when sizeAverage (the batch size
/// without weights). Input [C] with one target, or [N x C] with targets [N]; targets equal to
/// `ignoreIndex` are skipped. Targets are a LongTensor of 0-based classes (or one number).
template <Element T = float>
class ClassNLLCriterion : public CriterionBase<ClassNLLCriterion<T>, T, Tensor<T>, Tensor<int64_t>> {
 public:
  static constexpr const char* torchType = "nn.ClassNLLCriterion";

  Tensor<T> weights;  // per-class weights [C], or empty
  bool sizeAverage = true;
  int64_t ignoreIndex = -100;
  double totalWeight = 0;

  ClassNLLCriterion() = default;
  explicit ClassNLLCriterion(Tensor<T> classWeights, bool sizeAverage = true, int64_t ignoreIndex = -100)
      : weights(std::move(classWeights)), sizeAverage(sizeAverage), ignoreIndex(ignoreIndex) {}
  explicit ClassNLLCriterion(bool sizeAverage) : sizeAverage(sizeAverage) {}

  using CriterionBase<ClassNLLCriterion<T>, T, Tensor<T>, Tensor<int64_t>>::forward;
  using CriterionBase<ClassNLLCriterion<T>, T, Tensor<T>, Tensor<int64_t>>::backward;
  /// One sample with a class number.
  double forward(const Tensor<T>& input, int64_t target) { return this->forward(input, Tensor<int64_t>{target}); }
  const Tensor<T>& backward(const Tensor<T>& input, int64_t target) {
    return this->backward(input, Tensor<int64_t>{target});
  }

  double updateOutput(const Tensor<T>& input, const Tensor<int64_t>& target) {
    double loss = 0;
    totalWeight = 0;
    visit(input, target, [&](index_t i, int64_t t, double w, const T* row) {
      (void)i;
      loss -= w * static_cast<double>(row[t * input.stride(input.dim() - 1)]);
      totalWeight += w;
    });
    if (sizeAverage && totalWeight != 0) loss /= totalWeight;
    this->output = loss;
    return loss;
  }

  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<int64_t>& target) {
    Tensor<T>& g = this->gradInput;
    g.resize(input.sizes());
    g.zero();
    double total = 0;
    visit(input, target, [&](index_t, int64_t, double w, const T*) { total += w; });
    const double norm = sizeAverage && total != 0 ? 1 / total : 1;
    const index_t cs = g.stride(g.dim() - 1);
    const index_t rs = g.dim() == 2 ? g.stride(0) : 0;
    T* gp = g.data();
    visit(input, target, [&](index_t i, int64_t t, double w, const T*) {
      gp[i * rs + t * cs] = static_cast<T>(-w * norm);
    });
    return g;
  }

  template <class V>
  void fields(V& v) {
    v.state("weights", weights);
    v.option("sizeAverage", sizeAverage);
    v.option("ignoreIndex", ignoreIndex);
    v.option("total_weight", totalWeight);
  }

 private:
  /// Checks the shapes and calls fn(sample, class, weight, row pointer) for each counted sample.
  template <class F>
  void visit(const Tensor<T>& input, const Tensor<int64_t>& target, F&& fn) const {
    if (input.dim() != 1 && input.dim() != 2)
      t7::detail::fail<SizeError>("ClassNLLCriterion: expected input [C] or [N x C], got [", input.sizes().toString(),
                                  "]");
    const index_t n = input.dim() == 2 ? input.size(0) : 1;
    const index_t c = input.size(input.dim() - 1);
    if (target.nElement() != n || target.dim() > 1)
      t7::detail::fail<SizeError>("ClassNLLCriterion: input [", input.sizes().toString(), "] needs ", n,
                                  " target", n == 1 ? "" : "s", " [", n, "], got [", target.sizes().toString(), "]");
    if (weights.nElement() > 0 && (weights.dim() != 1 || weights.size(0) != c))
      t7::detail::fail<SizeError>("ClassNLLCriterion: weights [", weights.sizes().toString(), "] for ", c, " classes");
    const index_t ts = target.dim() == 1 ? target.stride(0) : 0;
    const int64_t* tp = target.data();
    const index_t rs = input.dim() == 2 ? input.stride(0) : 0;
    for (index_t i = 0; i < n; ++i) {
      const int64_t t = tp[i * ts];
      if (t == ignoreIndex) continue;
      if (t < 0 || t >= c)
        t7::detail::fail<IndexError>("ClassNLLCriterion: target ", t, " of sample ", i, " out of range [0, ", c, ")");
      const double w = weights.nElement() > 0 ? static_cast<double>(weights.data()[t * weights.stride(0)]) : 1.0;
      fn(i, t, w, input.data() + i * rs);
    }
  }
};

ClassNLLCriterion()->ClassNLLCriterion<float>;
static_assert(Criterion<ClassNLLCriterion<float>>);

}  // namespace t7::nn
