#pragma once
/// \file criterions_pair.hpp
/// Torch7's criterions on a pair of inputs (a table {x1, x2}) with +-1 targets:
/// CosineEmbeddingCriterion, MarginRankingCriterion and L1HingeEmbeddingCriterion. The
/// gradient is a table {d loss / d x1, d loss / d x2}. `forward({x1, x2}, y)` with a number
/// y is one sample.

#include <string>

#include "t7/kernels/loss.hpp"
#include "t7/nn/criterion.hpp"

namespace t7::nn {

namespace detail {
/// The two tensors of a pair input {x1, x2}; TypeError naming `op` otherwise.
template <Element T>
std::pair<const Tensor<T>*, const Tensor<T>*> criterionPair(const Table<T>& input, const char* op) {
  if (input.size() != 2)
    t7::detail::fail<TypeError>(op, ": expected a table of two tensors {x1, x2}, got ", nn::describe(input));
  return {&input[0].tensor(op), &input[1].tensor(op)};
}
/// Makes `g` a table of two tensors (kept between calls).
template <Element T>
void criterionPairGradient(Table<T>& g) {
  if (g.size() != 2 || !g[0].isTensor() || !g[1].isTensor()) g.assign(2, Activity<T>(Tensor<T>()));
}
}  // namespace detail

/// Cosine-similarity embedding loss (Torch7's `nn.CosineEmbeddingCriterion([margin = 0])`):
/// x1, x2 are [D] (one target) or [N x D] (targets [N]); with cos the cosine similarity of a
/// pair (norms regularised by 1e-12), a sample costs 1 - cos when y = 1 and
/// max(0, cos - margin) when y = -1; summed, / N when sizeAverage. Targets other than +-1
/// are a ValueError.
template <Element T = float>
class CosineEmbeddingCriterion : public CriterionBase<CosineEmbeddingCriterion<T>, T, Table<T>, Tensor<T>> {
  using Base = CriterionBase<CosineEmbeddingCriterion<T>, T, Table<T>, Tensor<T>>;
  static constexpr const char* kOp = "CosineEmbeddingCriterion";

 public:
  static constexpr const char* torchType = "nn.CosineEmbeddingCriterion";
  double margin = 0;
  bool sizeAverage = true;

  CosineEmbeddingCriterion() = default;
  explicit CosineEmbeddingCriterion(double margin, bool sizeAverage = true)
      : margin(margin), sizeAverage(sizeAverage) {}

  using Base::backward;
  using Base::forward;
  /// One pair with a number target.
  double forward(const Table<T>& input, T y) { return forward(input, Tensor<T>{y}); }
  const Table<T>& backward(const Table<T>& input, T y) { return backward(input, Tensor<T>{y}); }

  double updateOutput(const Table<T>& input, const Tensor<T>& target) {
    auto [x1, x2] = detail::criterionPair(input, kOp);
    return this->output = kernels::cosineEmbeddingLoss(*x1, *x2, target, margin, sizeAverage);
  }
  const Table<T>& updateGradInput(const Table<T>& input, const Tensor<T>& target) {
    auto [x1, x2] = detail::criterionPair(input, kOp);
    detail::criterionPairGradient(this->gradInput);
    kernels::cosineEmbeddingLossBackward(this->gradInput[0].tensor(), this->gradInput[1].tensor(), *x1, *x2, target,
                                         margin, sizeAverage);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("margin", margin);
    v.option("sizeAverage", sizeAverage);
  }
};
CosineEmbeddingCriterion()->CosineEmbeddingCriterion<float>;
static_assert(Criterion<CosineEmbeddingCriterion<float>>);

/// Ranking loss (Torch7's `nn.MarginRankingCriterion([margin = 1])`): x1, x2 hold N scores
/// each ([N], N = 1 for one sample) and y says which should rank higher (1: x1, -1: x2);
/// loss = sum max(0, -y (x1 - x2) + margin), / N when sizeAverage.
template <Element T = float>
class MarginRankingCriterion : public CriterionBase<MarginRankingCriterion<T>, T, Table<T>, Tensor<T>> {
  using Base = CriterionBase<MarginRankingCriterion<T>, T, Table<T>, Tensor<T>>;
  static constexpr const char* kOp = "MarginRankingCriterion";

 public:
  static constexpr const char* torchType = "nn.MarginRankingCriterion";
  double margin = 1;
  bool sizeAverage = true;

  MarginRankingCriterion() = default;
  explicit MarginRankingCriterion(double margin, bool sizeAverage = true) : margin(margin), sizeAverage(sizeAverage) {}

  using Base::backward;
  using Base::forward;
  /// One pair of scores with a number target.
  double forward(const Table<T>& input, T y) { return forward(input, Tensor<T>{y}); }
  const Table<T>& backward(const Table<T>& input, T y) { return backward(input, Tensor<T>{y}); }

  double updateOutput(const Table<T>& input, const Tensor<T>& target) {
    auto [x1, x2] = detail::criterionPair(input, kOp);
    return this->output = kernels::marginRankingLoss(*x1, *x2, target, margin, sizeAverage);
  }
  const Table<T>& updateGradInput(const Table<T>& input, const Tensor<T>& target) {
    auto [x1, x2] = detail::criterionPair(input, kOp);
    detail::criterionPairGradient(this->gradInput);
    kernels::marginRankingLossBackward(this->gradInput[0].tensor(), this->gradInput[1].tensor(), *x1, *x2, target,
                                       margin, sizeAverage);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("margin", margin);
    v.option("sizeAverage", sizeAverage);
  }
};
MarginRankingCriterion()->MarginRankingCriterion<float>;
static_assert(Criterion<MarginRankingCriterion<float>>);

/// L1-distance embedding loss (Torch7's `nn.L1HingeEmbeddingCriterion([margin = 1])`): for
/// one pair of same-size tensors with d = |x1 - x2|_1, loss = d when y = 1 and
/// max(0, margin - d) when y = -1. One target (a number, or a one-element tensor). The
/// subgradient at x1 = x2 is 0 (Torch7 drew a random sign).
template <Element T = float>
class L1HingeEmbeddingCriterion : public CriterionBase<L1HingeEmbeddingCriterion<T>, T, Table<T>, Tensor<T>> {
  using Base = CriterionBase<L1HingeEmbeddingCriterion<T>, T, Table<T>, Tensor<T>>;
  static constexpr const char* kOp = "L1HingeEmbeddingCriterion";

 public:
  static constexpr const char* torchType = "nn.L1HingeEmbeddingCriterion";
  double margin = 1;

  L1HingeEmbeddingCriterion() = default;
  explicit L1HingeEmbeddingCriterion(double margin) : margin(margin) {}

  using Base::backward;
  using Base::forward;
  /// One pair with a number target.
  double forward(const Table<T>& input, T y) { return forward(input, Tensor<T>{y}); }
  const Table<T>& backward(const Table<T>& input, T y) { return backward(input, Tensor<T>{y}); }

  double updateOutput(const Table<T>& input, const Tensor<T>& target) {
    auto [x1, x2] = detail::criterionPair(input, kOp);
    return this->output = kernels::l1HingeEmbeddingLoss(*x1, *x2, target, margin);
  }
  const Table<T>& updateGradInput(const Table<T>& input, const Tensor<T>& target) {
    auto [x1, x2] = detail::criterionPair(input, kOp);
    detail::criterionPairGradient(this->gradInput);
    kernels::l1HingeEmbeddingLossBackward(this->gradInput[0].tensor(), this->gradInput[1].tensor(), *x1, *x2, target,
                                          margin);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("margin", margin);
  }
};
L1HingeEmbeddingCriterion()->L1HingeEmbeddingCriterion<float>;
static_assert(Criterion<L1HingeEmbeddingCriterion<float>>);

}  // namespace t7::nn
