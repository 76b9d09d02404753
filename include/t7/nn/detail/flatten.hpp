#pragma once
/// \file flatten.hpp
/// getParameters(): all weights into one contiguous storage, all gradients into another,
/// with every module's tensors re-pointed at views of them (Torch7's Module.flatten).
///
/// Two rules beyond Torch7's:
/// - Calling it again on the same network returns views of the same storages, so views
///   taken from the first call stay the network's parameters (Torch7 re-flattened and left
///   the first call's tensors silently detached: torch/nn#483, #556).
/// - When it must re-flatten (a module was added since), it grows the first storage in place
///   when that storage is a previous flat one, so earlier flat views still see the weights
///   they saw (their prefix), and appends the rest after it.

#include <vector>

#include "t7/tensor/tensor.hpp"

namespace t7::nn::detail {

/// [lo, hi) of storage elements a tensor can reach.
template <Element T>
std::pair<index_t, index_t> reach(const Tensor<T>& t) {
  index_t lo = t.storageOffset();
  index_t hi = lo;
  for (int d = 0; d < t.dim(); ++d) {
    if (t.size(d) == 0) return {lo, lo};
    const index_t step = (t.size(d) - 1) * t.stride(d);
    if (step < 0) lo += step; else hi += step;
  }
  return {lo, hi + 1};
}

/// True when the tensors are all in one storage and cover it exactly, each element once
/// (what a previous flatten left).
template <Element T>
bool tilesOneStorage(const std::vector<Tensor<T>*>& ts) {
  if (ts.empty()) return false;
  const Storage<T>& s = ts.front()->storage();
  std::vector<std::pair<index_t, index_t>> spans;
  for (const Tensor<T>* t : ts) {
    if (!t->storage().isSameAs(s) || !t->isContiguous()) return false;
    spans.push_back({t->storageOffset(), t->storageOffset() + t->nElement()});
  }
  std::sort(spans.begin(), spans.end());
  spans.erase(std::unique(spans.begin(), spans.end()), spans.end());  // tied tensors count once
  index_t at = 0;
  for (const auto& [lo, hi] : spans) {
    if (lo != at) return false;
    at = hi;
  }
  return at == s.size();
}

/// Flattens the tensors into one storage and returns a 1-D tensor over all of it.
template <Element T>
Tensor<T> flatten(const std::vector<Tensor<T>*>& ts) {
  if (ts.empty()) return Tensor<T>();
  if (tilesOneStorage(ts)) {
    const Storage<T>& s = ts.front()->storage();
    return Tensor<T>(s, 0, Shape{s.size()});
  }
  // Distinct storages in order of first use, with the span each one's tensors reach.
  struct Block {
    Storage<T> storage;
    index_t lo, hi, at = 0;  // at: where the span starts in the flat storage
  };
  std::vector<Block> blocks;
  for (const Tensor<T>* t : ts) {
    const auto [lo, hi] = reach(*t);
    auto it = std::find_if(blocks.begin(), blocks.end(), [&](const Block& b) { return b.storage.isSameAs(t->storage()); });
    if (it == blocks.end()) {
      blocks.push_back({t->storage(), lo, hi});
    } else {
      it->lo = std::min(it->lo, lo);
      it->hi = std::max(it->hi, hi);
    }
  }
  index_t total = 0;
  for (Block& b : blocks) {
    b.at = total;
    total += b.hi - b.lo;
  }
  // Grow the first storage in place when its span is all of it, else start a new one.
  Block& first = blocks.front();
  const bool grow = first.lo == 0 && first.hi == first.storage.size() && first.storage.isResizable();
  Storage<T> flat;
  if (grow) {
    flat = first.storage;
    flat.resize(total);
  } else {
    flat = Storage<T>(total);
  }
  for (std::size_t i = grow ? 1 : 0; i < blocks.size(); ++i) {
    const Block& b = blocks[i];
    std::copy(b.storage.data() + b.lo, b.storage.data() + b.hi, flat.data() + b.at);
  }
  for (Tensor<T>* t : ts) {
    const auto b = std::find_if(blocks.begin(), blocks.end(), [&](const Block& x) { return x.storage.isSameAs(t->storage()); });
    const Shape sizes = t->sizes();
    const Strides strides = t->strides();
    t->set(flat, b->at + (t->storageOffset() - b->lo), sizes, strides);
  }
  return Tensor<T>(flat, 0, Shape{total});
}

/// getParameters() for the collected weight and gradient pointers.
template <Element T>
std::pair<Tensor<T>, Tensor<T>> flattenParameters(const std::vector<Tensor<T>*>& weights,
                                                  const std::vector<Tensor<T>*>& grads, const std::string& module) {
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (!grads[i]->isSameSizeAs(*weights[i]))
      t7::detail::fail<SizeError>("getParameters: ", module, ": parameter ", i, " is [", weights[i]->sizes().toString(),
                                  "] but its gradient is [", grads[i]->sizes().toString(), "]");
  }
  Tensor<T> w = flatten(weights);
  Tensor<T> g = flatten(grads);
  if (w.nElement() != g.nElement())
    t7::detail::fail<SizeError>("getParameters: ", module, ": the weights flatten to ", w.nElement(),
                                " elements but the gradients to ", g.nElement(),
                                "; share gradients with the weights (share(m, {\"weight\", \"bias\", \"gradWeight\", "
                                "\"gradBias\"}))");
  // The optimizer pairs w[i] with g[i]: each weight and its gradient must sit at the same place.
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (weights[i]->storageOffset() != grads[i]->storageOffset() || weights[i]->strides() != grads[i]->strides())
      t7::detail::fail<LayoutError>("getParameters: ", module, ": parameter ", i, " and its gradient are laid out "
                                    "differently in the flat tensors (weights shared without their gradients?)");
  }
  return {w, g};
}

}  // namespace t7::nn::detail
