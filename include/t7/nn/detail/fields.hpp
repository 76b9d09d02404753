#pragma once
/// \file fields.hpp
/// The generic machinery behind a module's `fields(v)`: the one list of its state that
/// parameters(), getParameters(), clone(), share(), clearState() and type conversion (and
/// later serialization) all walk. A module lists its fields by their Torch7 names:
///
/// ```cpp
/// template <class V> void fields(V& v) {
///   v.parameter("weight", weight, "gradWeight", gradWeight);  // a weight and its gradient
///   v.state("running_mean", running_mean);                    // kept by clearState()
///   v.buffer("noise", noise);                                 // emptied by clearState()
///   v.option("p", p);                                         // numbers, flags, strings
/// }
/// ```
/// Containers list their children with `v.children(modules)`; a module kept as a member
/// (CrossEntropyCriterion's LogSoftMax) is listed with `v.module("lsm", lsm)`.

#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "t7/nn/activity.hpp"
#include "t7/tensor/converted.hpp"

namespace t7::nn {

template <Element T>
class AnyModule;

/// Weights and their gradients, as Torch7's `parameters()` returns them (handles: changing
/// their values changes the module's).
template <Element T>
struct Parameters {
  std::vector<Tensor<T>> weights;
  std::vector<Tensor<T>> gradWeights;
};

namespace detail {

/// A visitor that ignores everything; real visitors shadow what they need.
struct FieldVisitor {
  template <class W, class G>
  void parameter(const char*, W&, const char*, G&) {}
  template <class X>
  void state(const char*, X&) {}
  template <class X>
  void buffer(const char*, X&) {}
  template <class X>
  void option(const char*, X&) {}
  template <class L>
  void children(L&) {}
  /// A module or criterion held as a member (CrossEntropyCriterion's `lsm` and `nll`): only
  /// serialization visits it, as a nested object.
  template <class M>
  void module(const char*, M&) {}
};

/// Storages already copied during one clone or conversion, so that tensors that shared a
/// storage before share one after (tied weights, getParameters()' flat storage).
using TensorCache = t7::detail::StorageCache;

template <class X>
struct IsTensor : std::false_type {};
template <Element U, Device D>
struct IsTensor<Tensor<U, D>> : std::true_type {};

/// A copy of `t` (same offset, sizes, strides) over a storage copied once per cache,
/// converted to U.
template <Element U, Element S>
Tensor<U> deepCopy(const Tensor<S>& t, TensorCache& cache) {
  return t7::detail::convertedView<U>(t, cache);
}

template <Element U, Element S>
Activity<U> deepCopy(const Activity<S>& a, TensorCache& cache) {
  if (a.isTensor()) return Activity<U>(deepCopy<U>(a.tensor(), cache));
  Table<U> t;
  t.reserve(a.table().size());
  for (const auto& e : a.table()) t.push_back(deepCopy<U>(e, cache));
  return Activity<U>(std::move(t));
}

template <Element U, Element S>
Table<U> deepCopy(const Table<S>& t, TensorCache& cache) {
  Table<U> r;
  r.reserve(t.size());
  for (const auto& e : t) r.push_back(deepCopy<U>(e, cache));
  return r;
}

/// Collects pointers to the weights and gradients (skipping empty ones, e.g. no bias).
template <Element T>
struct CollectParameters : FieldVisitor {
  std::vector<Tensor<T>*>* weights;
  std::vector<Tensor<T>*>* grads;
  void parameter(const char*, Tensor<T>& w, const char*, Tensor<T>& g) {
    if (w.nElement() == 0) return;
    weights->push_back(&w);
    grads->push_back(&g);
  }
  template <class L>
  void children(L& list) {
    for (auto& m : list) m->collectParameters(*weights, *grads);
  }
};

/// parameters() and getParameters() of anything with collectParameters(w, g) (a typed
/// module or an AnyModule): one implementation for both.
template <Element T, class M>
Parameters<T> parametersOf(M& m) {
  std::vector<Tensor<T>*> w, g;
  m.collectParameters(w, g);
  Parameters<T> p;
  for (std::size_t i = 0; i < w.size(); ++i) {
    p.weights.push_back(*w[i]);
    p.gradWeights.push_back(*g[i]);
  }
  return p;
}

/// Calls fn(weight, grad) on every parameter (skipping empty ones), without collecting them:
/// what zeroGradParameters and updateParameters run every step, so it must not allocate.
template <Element T, class F>
struct ForEachParameter : FieldVisitor {
  F* fn;
  void parameter(const char*, Tensor<T>& w, const char*, Tensor<T>& g) {
    if (w.nElement() > 0) (*fn)(w, g);
  }
};

/// Replaces every tensor by a deep copy (same element type), sharing through the cache.
template <Element T>
struct Deepen : FieldVisitor {
  TensorCache* cache;
  template <class X>
  void deepen(X& x) {
    if constexpr (IsTensor<X>::value) {
      x = deepCopy<typename X::value_type>(x, *cache);
    } else if constexpr (std::is_same_v<X, Activity<T>> || std::is_same_v<X, Table<T>>) {
      x = deepCopy<T>(x, *cache);
    }
  }
  template <class W, class G>
  void parameter(const char*, W& w, const char*, G& g) {
    deepen(w);
    deepen(g);
  }
  template <class X>
  void state(const char*, X& x) {
    deepen(x);
  }
  template <class X>
  void buffer(const char*, X& x) {
    deepen(x);
  }
  template <class L>
  void children(L& list) {
    for (auto& m : list) m = m->cloneWith(*cache);
  }
};

/// A copy of m whose tensors are deep copies (sharing through the cache): clone().
template <Element T, class M>
M deepCopyOf(const M& m, TensorCache& cache) {
  M c(m);
  Deepen<T> v;
  v.cache = &cache;
  c.visitAll(v);
  return c;
}

/// Empties the buffers (outputs, gradInputs, temporaries); children recurse.
struct ClearBuffers : FieldVisitor {
  template <class X>
  void buffer(const char*, X& x) {
    x = X();
  }
  template <class L>
  void children(L& list) {
    for (auto& m : list) m->clearState();
  }
};

/// One field of a module, recorded to be matched with the same field of another module
/// (conversion between element types, sharing).
struct FieldRef {
  const char* name;
  void* ptr;
  const std::type_info* type;
  void* grad = nullptr;  // parameters: the gradient
};

struct RecordFields : FieldVisitor {
  std::vector<FieldRef> fields;
  template <class W, class G>
  void parameter(const char* name, W& w, const char*, G& g) {
    fields.push_back({name, &w, &typeid(W), &g});
  }
  template <class X>
  void state(const char* name, X& x) {
    fields.push_back({name, &x, &typeid(X)});
  }
  template <class X>
  void buffer(const char* name, X& x) {
    fields.push_back({name, &x, &typeid(X)});
  }
  template <class X>
  void option(const char* name, X& x) {
    fields.push_back({name, &x, &typeid(X)});
  }
  template <class L>
  void children(L& list) {
    fields.push_back({"modules", &list, &typeid(L)});
  }
};

/// Fills a module of element type U from the recorded fields of the same module in type S.
template <Element S, Element U>
struct ConvertFields : FieldVisitor {
  const std::vector<FieldRef>* src;
  TensorCache* cache;
  std::size_t next = 0;

  const FieldRef& take(const char* name) {
    if (next >= src->size() || std::strcmp((*src)[next].name, name) != 0)
      t7::detail::fail<TypeError>("type conversion: the module's fields differ between element types at '", name,
                                  "'");
    return (*src)[next++];
  }
  template <class X>
  void convert(const FieldRef& f, X& x) {
    if constexpr (IsTensor<X>::value) {
      using V = typename X::value_type;
      if constexpr (std::is_same_v<V, U>) {
        if (*f.type == typeid(Tensor<S>)) {
          x = deepCopy<U>(*static_cast<const Tensor<S>*>(f.ptr), *cache);
          return;
        }
      }
      if (*f.type == typeid(X)) {
        x = deepCopy<V>(*static_cast<const X*>(f.ptr), *cache);
        return;
      }
    } else if constexpr (std::is_same_v<X, Activity<U>>) {
      if (*f.type == typeid(Activity<S>)) {
        x = deepCopy<U>(*static_cast<const Activity<S>*>(f.ptr), *cache);
        return;
      }
    } else if constexpr (std::is_same_v<X, Table<U>>) {
      if (*f.type == typeid(Table<S>)) {
        x = deepCopy<U>(*static_cast<const Table<S>*>(f.ptr), *cache);
        return;
      }
    } else if constexpr (std::is_copy_assignable_v<X>) {
      if (*f.type == typeid(X)) {
        x = *static_cast<const X*>(f.ptr);
        return;
      }
    }
    t7::detail::fail<TypeError>("type conversion: field '", f.name, "' has a different type");
  }
  template <class W, class G>
  void parameter(const char* name, W& w, const char*, G& g) {
    const FieldRef& f = take(name);
    convert(f, w);
    convert(FieldRef{f.name, f.grad, f.type}, g);
  }
  template <class X>
  void state(const char* name, X& x) {
    convert(take(name), x);
  }
  template <class X>
  void buffer(const char* name, X& x) {
    convert(take(name), x);
  }
  template <class X>
  void option(const char* name, X& x) {
    convert(take(name), x);
  }
  template <class L>
  void children(L& list) {
    const FieldRef& f = take("modules");
    using SrcList = std::vector<std::unique_ptr<AnyModule<S>>>;
    const auto& from = *static_cast<const SrcList*>(f.ptr);
    list.clear();
    for (const auto& m : from) {
      if constexpr (std::is_same_v<U, S>) {
        list.push_back(m->cloneWith(*cache));
      } else if constexpr (std::is_same_v<U, float>) {
        list.push_back(m->toFloatWith(*cache));
      } else {
        list.push_back(m->toDoubleWith(*cache));
      }
    }
  }
};

/// A new Target (the same module or criterion with element type U) whose fields are
/// converted copies of src's: what clone(), type<U>(), toFloat() and toDouble() run.
template <class Target, Element S, class Src>
Target convertFields(const Src& src, TensorCache& cache) {
  using U = typename Target::value_type;
  RecordFields from;
  const_cast<Src&>(src).visitAll(from);
  Target dst{};
  ConvertFields<S, U> v;
  v.src = &from.fields;
  v.cache = &cache;
  dst.visitAll(v);
  return dst;
}

/// Points the named tensor fields at the other module's (Torch7's `share`): `set`, so the
/// two modules read and write the same storage.
struct ShareFields : FieldVisitor {
  const std::vector<FieldRef>* other;
  const std::vector<std::string_view>* names;
  std::vector<bool>* matched;
  std::size_t next = 0;

  const FieldRef& take(const char* name) {
    if (next >= other->size() || std::strcmp((*other)[next].name, name) != 0)
      t7::detail::fail<TypeError>("share: the two modules' fields differ at '", name, "'");
    return (*other)[next++];
  }
  bool wanted(const char* name) {
    for (std::size_t i = 0; i < names->size(); ++i) {
      if ((*names)[i] == name) {
        (*matched)[i] = true;
        return true;
      }
    }
    return false;
  }
  template <class X>
  void share(const char* name, X& x, void* from) {
    if constexpr (IsTensor<X>::value) {
      if (wanted(name)) x.set(*static_cast<const X*>(from));
    }
  }
  template <class W, class G>
  void parameter(const char* name, W& w, const char* gradName, G& g) {
    const FieldRef& f = take(name);
    share(name, w, f.ptr);
    share(gradName, g, f.grad);
  }
  template <class X>
  void state(const char* name, X& x) {
    share(name, x, take(name).ptr);
  }
  template <class X>
  void buffer(const char* name, X& x) {
    share(name, x, take(name).ptr);
  }
  template <class X>
  void option(const char* name, X&) {
    take(name);
  }
  template <class L>
  void children(L& list) {
    const auto& from = *static_cast<const L*>(take("modules").ptr);
    if (from.size() != list.size())
      t7::detail::fail<SizeError>("share: containers of ", list.size(), " and ", from.size(), " modules");
    for (std::size_t i = 0; i < list.size(); ++i) list[i]->shareWith(*from[i], *names, *matched);
  }
};

/// share(): the named fields of `self` become views of `other`'s (both of one type).
template <class M>
void shareFields(M& self, const M& other, const std::vector<std::string_view>& names, std::vector<bool>& matched) {
  RecordFields theirs;
  const_cast<M&>(other).visitAll(theirs);
  ShareFields v;
  v.other = &theirs.fields;
  v.names = &names;
  v.matched = &matched;
  self.visitAll(v);
}

/// Throws when a name given to share() matched no field anywhere.
inline void checkAllShared(const std::vector<std::string_view>& names, const std::vector<bool>& matched,
                           const std::string& module) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (!matched[i]) t7::detail::fail<ValueError>("share: ", module, " has no tensor field named '", names[i], "'");
}

/// The element type a module template is rebuilt with: `Linear<float>` -> `Linear<double>`.
template <class M, class U>
struct Rebind {};
template <template <class> class M, class T, class U>
struct Rebind<M<T>, U> {
  using type = M<U>;
};

}  // namespace detail
}  // namespace t7::nn
