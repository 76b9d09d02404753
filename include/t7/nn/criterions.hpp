#pragma once
/// \file criterions.hpp
/// Torch7's criterions (beyond ClassNLLCriterion, in classnll.hpp), one header per group:
/// - criterions_pointwise.hpp: MSECriterion, AbsCriterion, SmoothL1Criterion,
///   DistKLDivCriterion, BCECriterion, MarginCriterion, SoftMarginCriterion,
///   HingeEmbeddingCriterion (input and target tensors of the same number of elements);
/// - criterions_class.hpp: CrossEntropyCriterion, MultiMarginCriterion,
///   MultiLabelMarginCriterion, MultiLabelSoftMarginCriterion (0-based class targets);
/// - criterions_pair.hpp: CosineEmbeddingCriterion, MarginRankingCriterion,
///   L1HingeEmbeddingCriterion (a table {x1, x2} and +-1 targets);
/// - criterions_multi.hpp: MultiCriterion, ParallelCriterion (criterions of criterions).
/// The loss math is kernels/loss.hpp.
///
/// ```cpp
/// nn::CrossEntropyCriterion<float> ce;
/// double loss = ce.forward(scores, labels);            // scores [N x C], labels LongTensor [N], 0-based
/// const FloatTensor& dscores = ce.backward(scores, labels);
/// ```

#include "t7/nn/classnll.hpp"
#include "t7/nn/criterions_class.hpp"
#include "t7/nn/criterions_multi.hpp"
#include "t7/nn/criterions_pair.hpp"
#include "t7/nn/criterions_pointwise.hpp"
