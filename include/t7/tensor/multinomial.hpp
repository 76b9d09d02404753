#pragma once
/// \file multinomial.hpp
/// `multinomial`: draws category indices from probability rows, with Torch7's algorithm and
/// draws (so a seeded Torch7 program draws the same indices, minus one: t7 is 0-based).

#include <cmath>
#include <vector>

#include "t7/tensor/tensor.hpp"

namespace t7 {

/// `n` samples from each row of `prob` (1-D: one distribution of K categories; 2-D: one per
/// row), returned as 0-based category indices: a 1-D LongTensor of n, or rows x n.
/// Probabilities need not sum to one but must be >= 0 with a positive sum. Without
/// replacement, each category is drawn at most once (n <= K).
template <FloatingElement T>
LongTensor multinomial(Generator& g, const Tensor<T>& prob, index_t n, bool replacement = false) {
  if (prob.dim() != 1 && prob.dim() != 2)
    detail::fail<SizeError>("multinomial: expects a 1-D or 2-D probability tensor, got size ",
                            prob.sizes().toString());
  const Tensor<T> p = prob.dim() == 1 ? prob.view(1, -1) : prob;
  const index_t rows = p.size(0), k = p.size(1);
  if (n <= 0) detail::fail<ValueError>("multinomial: the number of samples must be > 0, got ", n);
  if (!replacement && n > k)
    detail::fail<ValueError>("multinomial: cannot draw ", n, " samples without replacement from ", k, " categories");
  LongTensor out(rows, n);
  std::vector<double> cum(static_cast<std::size_t>(k));
  for (index_t i = 0; i < rows; ++i) {
    double sum = 0;
    for (index_t j = 0; j < k; ++j) {
      const double v = static_cast<double>(p(i, j));
      if (!(v >= 0) || !std::isfinite(v))
        detail::fail<ValueError>("multinomial: invalid probability ", v, " at [", i, ", ", j, "]");
      sum += v;
      cum[static_cast<std::size_t>(j)] = sum;
    }
    if (!(sum > 0) || !std::isfinite(sum))
      detail::fail<ValueError>("multinomial: row ", i, " has probabilities summing to ", sum);
    if (!replacement) {
      index_t positive = 0;
      for (index_t j = 0; j < k; ++j) positive += p(i, j) > 0;
      if (positive < n)
        detail::fail<ValueError>("multinomial: cannot draw ", n, " distinct categories from row ", i, ", only ",
                                 positive, " have a non-zero probability");
    }
    for (double& c : cum) c /= sum;
    std::vector<bool> taken(static_cast<std::size_t>(k), false);
    for (index_t s = 0; s < n; ++s) {
      const double u = g.uniform(0, 1);
      cum.back() = 1;
      index_t lo = 0, hi = k;  // first category whose cumulative probability is >= u
      while (hi - lo > 0) {
        const index_t mid = lo + (hi - lo) / 2;
        if (cum[static_cast<std::size_t>(mid)] < u) lo = mid + 1;
        else hi = mid;
      }
      out(i, s) = lo;
      if (!replacement) {  // remove the drawn category's mass and renormalise (Torch7's update)
        taken[static_cast<std::size_t>(lo)] = true;
        const double prev = lo ? cum[static_cast<std::size_t>(lo - 1)] : 0;
        const double mass = cum[static_cast<std::size_t>(lo)] - prev;
        const double rest = 1 - mass;
        for (index_t j = 0; j < k; ++j) {
          double v = cum[static_cast<std::size_t>(j)];
          if (j >= lo) v -= mass;
          cum[static_cast<std::size_t>(j)] = v / rest;
        }
        // Rounding can leave no mass (p = {1, 1e-20}): rebuild from the categories left.
        if (!(rest > 0) || !std::isfinite(cum.back())) {
          double acc = 0;
          for (index_t j = 0; j < k; ++j) {
            if (!taken[static_cast<std::size_t>(j)]) acc += static_cast<double>(p(i, j));
            cum[static_cast<std::size_t>(j)] = acc;
          }
          for (double& c : cum) c /= acc;
        }
      }
    }
  }
  return prob.dim() == 1 ? out.view(n) : out;
}

template <FloatingElement T>
LongTensor multinomial(const Tensor<T>& prob, index_t n, bool replacement = false) {
  return multinomial(defaultGenerator(), prob, n, replacement);
}

}  // namespace t7
