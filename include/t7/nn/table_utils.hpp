#pragma once
/// \file table_utils.hpp
/// Torch7's `nn.utils.recursive*` helpers on activities (a tensor or a nested table of
/// them), used by the table layers and the containers that sum or copy gradients:
///
/// ```cpp
/// nn::utils::recursiveCopy(gradInput, childGradInput);      // same structure, own tensors
/// nn::utils::recursiveAdd(gradInput, otherGradInput);       // += , structures must match
/// ```
/// The destination's tensors are reused (resized, written in place), so a steady loop does
/// not allocate; entries of the wrong kind (a table where a tensor is needed) are replaced.

#include <string>

#include "t7/nn/activity.hpp"

namespace t7::nn::utils {

/// `t` holds a tensor (it is replaced by an empty one if it held a table); returns it.
template <Element T>
Tensor<T>& tensorIn(Activity<T>& a) {
  if (!a.isTensor()) a = Tensor<T>();
  return a.tensor();
}

/// `t` holds a table (it is replaced by an empty one if it held a tensor); returns it.
template <Element T>
Table<T>& tableIn(Activity<T>& a) {
  if (!a.isTable()) a = Table<T>();
  return a.table();
}

/// Entry i of a table as a tensor that shares no storage with `avoid` (a handle borrowed
/// from elsewhere is dropped first, so writing into it never writes into someone else's).
template <Element T>
Tensor<T>& ownTensor(Table<T>& t, std::size_t i, const Tensor<T>& avoid) {
  Tensor<T>& x = tensorIn(t[i]);
  if (x.storage().defined() && avoid.storage().defined() && x.storage().isSameAs(avoid.storage())) x = Tensor<T>();
  return x;
}

/// Torch7's `nn.utils.recursiveResizeAs(dst, src)`: dst gets src's structure and sizes.
template <Element T>
Activity<T>& recursiveResizeAs(Activity<T>& dst, const Activity<T>& src) {
  if (src.isTensor()) {
    tensorIn(dst).resize(src.tensor().sizes());
  } else {
    Table<T>& d = tableIn(dst);
    const Table<T>& s = src.table();
    d.resize(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) recursiveResizeAs(d[i], s[i]);
  }
  return dst;
}

/// Torch7's `nn.utils.recursiveFill(t, value)`.
template <Element T>
Activity<T>& recursiveFill(Activity<T>& a, T value) {
  a.forEachTensor([&](Tensor<T>& t) { t.fill(value); });
  return a;
}

/// Torch7's `nn.utils.recursiveCopy(dst, src)`: dst becomes a copy of src (own tensors).
template <Element T>
Activity<T>& recursiveCopy(Activity<T>& dst, const Activity<T>& src) {
  if (src.isTensor()) {
    Tensor<T>& d = tensorIn(dst);
    const Tensor<T>& s = src.tensor();
    if (d.storage().defined() && s.storage().defined() && d.storage().isSameAs(s.storage())) d = Tensor<T>();
    d.resize(s.sizes());
    if (s.nElement() > 0) d.copy(s);
  } else {
    Table<T>& d = tableIn(dst);
    const Table<T>& s = src.table();
    d.resize(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) recursiveCopy(d[i], s[i]);
  }
  return dst;
}

/// Torch7's `nn.utils.recursiveAdd(dst, src)`: dst += src, tensor by tensor. Throws
/// SizeError naming `op` and both structures when they differ.
template <Element T>
Activity<T>& recursiveAdd(Activity<T>& dst, const Activity<T>& src, const char* op = "recursiveAdd") {
  auto mismatch = [&] { t7::detail::fail<SizeError>(op, ": cannot add ", src.describe(), " to ", dst.describe()); };
  if (src.isTensor()) {
    if (!dst.isTensor() || !dst.tensor().isSameSizeAs(src.tensor())) mismatch();
    dst.tensor() += src.tensor();
  } else {
    if (!dst.isTable() || dst.table().size() != src.table().size()) mismatch();
    for (std::size_t i = 0; i < src.table().size(); ++i) recursiveAdd(dst.table()[i], src.table()[i], op);
  }
  return dst;
}

/// True when a and b have the same structure and sizes.
template <Element T>
bool sameStructure(const Activity<T>& a, const Activity<T>& b) {
  if (a.isTensor()) return b.isTensor() && a.tensor().isSameSizeAs(b.tensor());
  if (!b.isTable() || a.table().size() != b.table().size()) return false;
  for (std::size_t i = 0; i < a.table().size(); ++i)
    if (!sameStructure(a.table()[i], b.table()[i])) return false;
  return true;
}

}  // namespace t7::nn::utils

namespace t7::nn::detail {

/// Entry i of a module's input (or gradOutput) table as a tensor; SizeError when the table
/// is too short, TypeError when the entry is a table. Messages name the module.
template <Element T>
const Tensor<T>& tableEntryTensor(const Table<T>& t, std::size_t i, const char* op, const char* what = "input") {
  if (i >= t.size()) t7::detail::fail<SizeError>(op, ": the ", what, " table ", describe(t), " has no entry ", i);
  if (!t[i].isTensor())
    t7::detail::fail<TypeError>(op, ": entry ", i, " of the ", what, " should be a tensor, got a table ",
                                t[i].describe());
  return t[i].tensor();
}

/// Checks that a table holds `count` tensors (at least `count` when `atLeast`) of one size;
/// returns the first.
template <Element T>
const Tensor<T>& sameSizeTensors(const Table<T>& t, std::size_t count, bool atLeast, const char* op) {
  if (atLeast ? t.size() < count : t.size() != count)
    t7::detail::fail<SizeError>(op, ": expected a table of ", atLeast ? "at least " : "", count, " tensor",
                                count == 1 ? "" : "s", ", got ", describe(t));
  const Tensor<T>& x0 = tableEntryTensor(t, 0, op);
  for (std::size_t i = 1; i < t.size(); ++i) {
    const Tensor<T>& xi = tableEntryTensor(t, i, op);
    if (!xi.isSameSizeAs(x0))
      t7::detail::fail<SizeError>(op, ": input ", i, " is [", xi.sizes().toString(), "] but input 0 is [",
                                  x0.sizes().toString(), "]: the tensors must have the same size");
  }
  return x0;
}

/// Drops the handle `out` when it shares a storage with one of the table's tensors, so a
/// module's own output is never written over its input (after an in-place call).
template <Element T>
void detachFromTable(Tensor<T>& out, const Table<T>& input) {
  for (const auto& a : input)
    a.forEachTensor([&](const Tensor<T>& x) {
      if (out.storage().isSameAs(x.storage())) out = Tensor<T>();
    });
}

}  // namespace t7::nn::detail
