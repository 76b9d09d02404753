#pragma once
/// \file converted.hpp
/// A tensor's view over a copy of its storage, converted to another element type: the one
/// conversion that nn's clone / type conversion and serialization's typed loads share.
///
/// The copy is of the storage, never of the elements the sizes claim. A tensor's elements can
/// outnumber its storage's by far (a stride-0 tensor, as `expand` makes and as files may hold),
/// so a conversion costs what the storage holds and keeps the geometry. Storages are copied
/// once per StorageCache: tensors that shared a storage before (tied weights, getParameters()'
/// flat storage, a file's back-references) share its copy after.

#include <any>
#include <typeinfo>
#include <unordered_map>

#include "t7/tensor/tensor.hpp"

namespace t7::detail {

/// Copies made during one operation, by the identity of the source storage.
struct StorageCache {
  std::unordered_map<const void*, std::any> storages;
};

/// A tensor with t's offset, sizes and strides over t's storage copied (converted to U) once
/// per `cache`. A tensor without storage gives an unallocated one of the same (empty) sizes.
template <Element U, Element S>
Tensor<U> convertedView(const Tensor<S>& t, StorageCache& cache) {
  const Storage<S>& s = t.storage();
  if (!s.defined() || s.size() == 0) {
    Tensor<U> r;
    if (t.dim() > 0 && t.nElement() == 0) r.resize(t.sizes());
    return r;
  }
  std::any& slot = cache.storages[s.identity()];
  if (slot.type() != typeid(Storage<U>)) {
    Storage<U> copy(s.size());
    copy.copy(s);
    slot = copy;
  }
  return Tensor<U>(std::any_cast<const Storage<U>&>(slot), t.storageOffset(), t.sizes(), t.strides());
}

}  // namespace t7::detail
