#pragma once
/// \file factories.hpp
/// Factories of the module and criterion classes a program uses, by Torch7 class name: what
/// loading a saved model creates its modules with. A class registers itself the first time the
/// program boxes it (adds it to a container, or a criterion to MultiCriterion), so a program
/// can load any model made of the classes it builds, and compiles only those. Loading other
/// classes takes `serialize::registerModule<M>()` or `serialize::registerAllModules<T>()`.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>

#include "t7/core/dtype.hpp"

namespace t7::nn {

template <Element T>
class AnyModule;
template <Element T>
class AnyCriterion;

namespace detail {

template <Element T>
struct Factories {
  std::map<std::string, std::function<std::unique_ptr<AnyModule<T>>()>, std::less<>> modules;
  std::map<std::string, std::function<std::unique_ptr<AnyCriterion<T>>()>, std::less<>> criterions;

  static Factories& instance() {
    static Factories f;
    return f;
  }
};

/// Registers `make` for class M (when M has a Torch7 name and can be made empty); returns true,
/// to initialise the static flag that runs it once per class.
template <class M, class Map, class Make>
bool registerFactory(Map& map, Make make) {
  if constexpr (requires { M::torchType; } && std::is_default_constructible_v<M>) map.try_emplace(M::torchType, make);
  return true;
}

}  // namespace detail
}  // namespace t7::nn
