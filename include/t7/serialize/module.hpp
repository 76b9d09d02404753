#pragma once
/// \file module.hpp
/// nn modules and criterions as Torch7 objects. A module is written as Torch7 writes it: a
/// Torch object of its class ("nn.Linear") whose payload is the table of its fields under their
/// Torch7 names (weight, bias, gradWeight, output, gradInput, train, _type, kW, modules...),
/// listed by the module's `fields(v)`. Loading looks the class name up in a `Registry`, creates
/// the module, and fills each field it lists from the table (converting element types; tensors
/// that shared a storage in the file share it after loading, so getParameters()' flat storage
/// survives a save and a load). Fields the file lacks keep their defaults; fields t7 does not
/// know are ignored. Index fields (dimensions, offsets) are 1-based on disk, 0-based in t7.
///
/// A user's module is registered once, for each element type it is used with:
/// ```cpp
/// serialize::registerModule<MyLayer<float>>();                       // uses MyLayer::torchType
/// serialize::registerModule<MyPick<float>>({.indexFields = {"dim"}});  // 0-based in C++
/// ```

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "t7/nn/any_module.hpp"
#include "t7/nn/criterion.hpp"
#include "t7/serialize/codec.hpp"

namespace t7::serialize {

/// What the registry knows of a class besides its factory.
struct ClassInfo {
  /// The version written as "V <n>" (Torch7's `__version`: LookupTable 4, BatchNormalization 2...).
  double version = 1;
  /// Fields holding an index or a dimension: 0-based in t7, 1-based in Torch7's files. Values
  /// >= 0 are written +1 and values >= 1 read -1; negative ones (from the end) stay.
  std::vector<std::string> indexFields = {};
  /// Fields written as nil when they hold this value (t7's "unset" -1, where Torch7 keeps nil).
  std::vector<std::pair<std::string, double>> nilWhen = {};
  /// Adjusts a field table read from a file before t7 reads it: older versions of the class
  /// (BatchNormalization before version 2 kept running_std), Torch7's conventions.
  std::function<void(Object& fields, double version)> fromTorch = nullptr;
  /// Adjusts a field table t7 wrote, for Lua Torch7 (fields its methods need that t7 has no use for).
  std::function<void(Object& fields)> toTorch = nullptr;
};

namespace detail {
/// Torch7's class versions, index fields and conventions of t7's own classes, by class name
/// (serialize/builtins.hpp; built without compiling the classes' code).
const ClassInfo* builtinInfo(std::string_view className);
}  // namespace detail

/// The classes `load` can create, by Torch7 class name, for element type T: the classes the
/// program boxes (added to a container: registered as they are first used; see
/// nn/detail/factories.hpp), and those registered here (a user's classes, or all of t7's with
/// registerAllModules).
template <Element T>
class Registry {
 public:
  using ModuleFactory = std::function<std::unique_ptr<nn::AnyModule<T>>()>;
  using CriterionFactory = std::function<std::unique_ptr<nn::AnyCriterion<T>>()>;

  /// The one registry of element type T (register at start-up, before threads load files).
  static Registry& instance() {
    static Registry r;
    return r;
  }

  /// Registers M (a module or criterion with element type T, default-constructible, listing
  /// its fields) under M::torchType or the given name. For t7's own classes, the info of
  /// builtins.hpp applies whatever `info` says.
  template <class M>
  Registry& add(ClassInfo info = {}, std::string className = {}) {
    static_assert(std::is_same_v<typename M::value_type, T>, "Registry<T>::add: the class's element type must be T");
    if (className.empty()) className = M{}.typeName();
    infos_[className] = std::move(info);
    if constexpr (nn::Module<M>) {
      if constexpr (std::is_base_of_v<nn::AnyModule<T>, M>) {
        modules_[className] = [] { return std::unique_ptr<nn::AnyModule<T>>(std::make_unique<M>()); };
      } else {
        modules_[className] = [] { return std::unique_ptr<nn::AnyModule<T>>(std::make_unique<nn::Holder<M>>(M{})); };
      }
    } else {
      criterions_[className] = [] { return nn::anyCriterion(M{}); };
    }
    return *this;
  }

  /// The factory of a module class, or an empty function.
  ModuleFactory module(std::string_view className) const {
    if (auto it = modules_.find(className); it != modules_.end()) return it->second;
    const auto& used = nn::detail::Factories<T>::instance().modules;
    if (auto it = used.find(className); it != used.end()) return it->second;
    return {};
  }
  /// The factory of a criterion class, or an empty function.
  CriterionFactory criterion(std::string_view className) const {
    if (auto it = criterions_.find(className); it != criterions_.end()) return it->second;
    const auto& used = nn::detail::Factories<T>::instance().criterions;
    if (auto it = used.find(className); it != used.end()) return it->second;
    return {};
  }
  /// What is known of a class (t7's own classes always), or nullptr.
  const ClassInfo* info(std::string_view className) const {
    if (const ClassInfo* b = detail::builtinInfo(className)) return b;
    auto it = infos_.find(className);
    return it == infos_.end() ? nullptr : &it->second;
  }
  /// The class names load can create now, sorted.
  std::vector<std::string> names() const {
    std::vector<std::string> r;
    for (const auto& [k, v] : modules_) r.push_back(k);
    for (const auto& [k, v] : criterions_) r.push_back(k);
    for (const auto& [k, v] : nn::detail::Factories<T>::instance().modules) r.push_back(k);
    for (const auto& [k, v] : nn::detail::Factories<T>::instance().criterions) r.push_back(k);
    std::sort(r.begin(), r.end());
    r.erase(std::unique(r.begin(), r.end()), r.end());
    return r;
  }

 private:
  std::map<std::string, ClassInfo, std::less<>> infos_;
  std::map<std::string, ModuleFactory, std::less<>> modules_;
  std::map<std::string, CriterionFactory, std::less<>> criterions_;
};

/// Registers a user's module or criterion class for loading (see Registry::add).
template <class M>
void registerModule(ClassInfo info = {}, std::string className = {}) {
  Registry<typename M::value_type>::instance().template add<M>(std::move(info), std::move(className));
}

/// Registers every t7 module and criterion class of element type T for loading: what a program
/// that loads models it does not build needs (t7-inspect). This compiles all of nn into the
/// calling file (a minute or two at -O2); registering the classes you need with
/// registerModule is cheaper.
template <Element T>
void registerAllModules();

namespace detail {

inline bool isIndexField(const ClassInfo* info, const char* name) {
  return info && std::find(info->indexFields.begin(), info->indexFields.end(), name) != info->indexFields.end();
}
inline double shiftOut(double x) { return x >= 0 ? x + 1 : x; }
inline double shiftIn(double x) { return x >= 1 ? x - 1 : x; }

template <Element T>
const ClassInfo* classInfo(const std::string& className) {
  return Registry<T>::instance().info(className);
}

template <Element T>
Object activityObject(const nn::Activity<T>& a) {
  if (a.isTensor()) return Object(a.tensor());
  Object t = Object::table();
  auto& entries = t.tableData().entries;
  for (const auto& e : a.table()) entries.emplace_back(Object(static_cast<double>(entries.size() + 1)), activityObject(e));
  return t;
}

template <Element T>
nn::Activity<T> activityFrom(const Object& o, LoadContext& ctx) {
  if (o.isTensor()) return nn::Activity<T>(tensorAs<T>(o, ctx));
  nn::Table<T> t;
  for (const Object* e : arrayEntries(o, "a table of tensors")) t.push_back(activityFrom<T>(*e, ctx));
  return nn::Activity<T>(std::move(t));
}

template <Element T>
class FieldWriter;

/// The Torch object of any module or criterion that lists its fields.
template <Element T, class Visit>
Object instanceObject(const std::string& className, Visit&& visit) {
  const ClassInfo* info = classInfo<T>(className);
  Object o = Object::instance(className, info ? info->version : 1);
  FieldWriter<T> w(o, info);
  visit(w);
  o.set("_type", std::string("torch.") + TypeName<T>::value + "Tensor");
  if (info && info->toTorch) {
    Object fields = o.torch().fields();
    info->toTorch(fields);
  }
  return o;
}

template <Element T>
Object moduleObject(nn::AnyModule<T>& m) {
  return instanceObject<T>(m.typeName(), [&](nn::detail::DynamicFields<T>& v) { m.visitFields(v); });
}

/// Writes each field into the object's field table.
template <Element T>
class FieldWriter final : public nn::detail::DynamicFields<T> {
 public:
  FieldWriter(Object& object, const ClassInfo* info) : fields_(object.torch().fields().tableData()), info_(info) {}

  void field(const char* name, nn::detail::FieldRole role, nn::detail::FieldPtr<T> ref) override {
    Object v = std::visit([&](auto p) { return value(name, p); }, ref);
    // An absent weight or gradient (no bias) is nil, as Torch7's noBias() leaves it.
    const bool param = role == nn::detail::FieldRole::Parameter || role == nn::detail::FieldRole::Gradient;
    if (param && v.isTensor() && std::visit([](const auto& t) { return t.nElement() == 0; }, v.anyTensor())) return;
    if (info_ && v.isNumber())
      for (const auto& [field, unset] : info_->nilWhen)
        if (field == name && v.number() == unset) return;
    if (isIndexField(info_, name)) v = shifted(v, shiftOut);
    put(name, std::move(v));
  }
  void children(nn::detail::ModuleList<T>& modules) override {
    Object t = Object::table();
    auto& entries = t.tableData().entries;
    for (auto& m : modules) entries.emplace_back(Object(static_cast<double>(entries.size() + 1)), moduleObject(*m));
    put("modules", std::move(t));
  }
  void member(const char* name, const std::string& className,
              const std::function<void(nn::detail::DynamicFields<T>&)>& visit) override {
    put(name, instanceObject<T>(className, visit));
  }

 private:
  void put(const char* name, Object v) {
    if (v.isNil()) return;
    Object key(name);
    for (auto& [k, x] : fields_.entries)
      if (k == key) {
        x = std::move(v);
        return;
      }
    fields_.entries.emplace_back(std::move(key), std::move(v));
  }
  template <class P>
  Object value(const char* name, P p) {
    using X = std::remove_pointer_t<P>;
    if constexpr (std::is_same_v<P, nn::detail::UnsupportedField>) {
      t7::detail::fail<TypeError>("save: field '", name, "' has a type serialization does not know (",
                                  p.type->name(), ")");
    } else if constexpr (std::is_same_v<X, nn::Activity<T>>) {
      return activityObject(*p);
    } else if constexpr (std::is_same_v<X, nn::Table<T>>) {
      return activityObject(nn::Activity<T>(*p));
    } else if constexpr (std::is_same_v<X, std::vector<std::pair<int, int>>>) {
      Object t = Object::table();
      for (const auto& [a, b] : *p) {
        Object pair = Object::table();
        pair.append(a);
        pair.append(b);
        t.append(pair);
      }
      return t;
    } else {
      return Codec<X>::toObject(*p);
    }
  }
  /// x with f applied to its numbers (a number, or a table of numbers / of pairs).
  static Object shifted(const Object& x, double (*f)(double)) {
    if (x.isNumber()) return Object(f(x.number()));
    if (!x.isTable()) return x;
    Object t = Object::table();
    for (const auto& [k, v] : x.tableData().entries) t.set(k, shifted(v, f));
    return t;
  }

  TableData& fields_;
  const ClassInfo* info_;

  template <Element>
  friend class FieldReader;
};

template <Element T>
std::unique_ptr<nn::AnyModule<T>> createModule(const Object& o, LoadContext& ctx);

/// Fills each field from the object's field table (fields the table lacks keep their value).
template <Element T>
class FieldReader final : public nn::detail::DynamicFields<T> {
 public:
  FieldReader(const Object& object, const ClassInfo* info, LoadContext& ctx)
      : object_(object), info_(info), ctx_(ctx) {}

  void field(const char* name, nn::detail::FieldRole, nn::detail::FieldPtr<T> ref) override {
    Object v = object_[name];
    if (v.isNil()) return;
    if (isIndexField(info_, name)) v = FieldWriter<T>::shifted(v, shiftIn);
    try {
      std::visit([&](auto p) { assign(name, p, v); }, ref);
    } catch (const Error& e) {
      e.rethrowIn(object_.typeName() + "." + name);
    }
  }
  void children(nn::detail::ModuleList<T>& modules) override {
    const Object list = object_["modules"];
    if (list.isNil()) return;
    modules.clear();
    std::size_t i = 0;
    for (const Object* m : arrayEntries(list, "modules")) {
      try {
        modules.push_back(createModule<T>(*m, ctx_));
      } catch (const Error& e) {
        e.rethrowIn(object_.typeName() + ".modules[" + std::to_string(i) + "]");
      }
      ++i;
    }
  }
  void member(const char* name, const std::string& className,
              const std::function<void(nn::detail::DynamicFields<T>&)>& visit) override {
    const Object m = object_[name];
    if (m.isNil()) return;
    if (!m.isTorch() || m.typeName() != className)
      t7::detail::fail<TypeError>("load: ", object_.typeName(), ".", name, " is a ", m.typeName(), ", not a ",
                                  className);
    FieldReader<T> r(m, classInfo<T>(className), ctx_);
    visit(r);
  }

 private:
  template <class P>
  void assign(const char* name, P p, const Object& v) {
    using X = std::remove_pointer_t<P>;
    if constexpr (std::is_same_v<P, nn::detail::UnsupportedField>) {
      t7::detail::fail<TypeError>("load: field '", name, "' has a type serialization does not know (",
                                  p.type->name(), ")");
    } else if constexpr (std::is_same_v<X, nn::Activity<T>>) {
      *p = activityFrom<T>(v, ctx_);
    } else if constexpr (std::is_same_v<X, nn::Table<T>>) {
      nn::Activity<T> a = activityFrom<T>(v, ctx_);
      if (a.isTensor()) t7::detail::fail<TypeError>("load: expected a table of tensors, got a tensor");
      *p = a.table();
    } else if constexpr (std::is_same_v<X, bool>) {
      *p = v.isNumber() ? v.number() != 0 : v.boolean();
    } else if constexpr (std::is_same_v<X, std::vector<std::pair<int, int>>>) {
      p->clear();
      for (const Object* e : arrayEntries(v, "pairs")) {
        const auto pair = fromObject<std::array<int, 2>>(*e, ctx_);
        p->emplace_back(pair[0], pair[1]);
      }
    } else if constexpr (std::is_same_v<X, std::vector<double>>) {
      if (v.isTensor()) {
        const Tensor<double> t = tensorAs<double>(v, ctx_).contiguous();
        p->assign(t.data(), t.data() + t.nElement());
      } else if (v.isStorage()) {  // MultiCriterion's weights: a torch.DoubleStorage
        p->clear();
        std::visit([&](const auto& st) { p->assign(st.data(), st.data() + st.size()); }, v.anyStorage());
      } else {
        *p = fromObject<std::vector<double>>(v, ctx_);
      }
    } else if constexpr (std::is_integral_v<X> || std::is_floating_point_v<X>) {
      if (v.isBoolean()) {
        *p = v.boolean() ? 1 : 0;  // Torch7 sometimes keeps flags as booleans where t7 counts
      } else {
        *p = fromObject<X>(v, ctx_);
      }
    } else {
      *p = fromObject<X>(v, ctx_);
    }
  }

  const Object& object_;
  const ClassInfo* info_;
  LoadContext& ctx_;
};

inline void checkInstance(const Object& o) {
  if (!o.isTorch() || !o.torch().hasFields())
    t7::detail::fail<TypeError>("load: expected a module or criterion object, got ", o.typeName());
}

/// o as t7 reads it: a copy whose field table went through the class's fromTorch hook.
template <Element T>
Object upgraded(const Object& o, const ClassInfo* info) {
  if (!info || !info->fromTorch) return o;
  Object copy = Object::instance(o.typeName(), o.torch().version);
  copy.torch().fields().tableData().entries = o.torch().fields().tableData().entries;
  Object fields = copy.torch().fields();
  info->fromTorch(fields, o.torch().version);
  return copy;
}

/// A new module or criterion of o's class made by `factory`, its fields read from o. `kind` is
/// what is wanted, `other` the other kind (for the messages).
template <Element T, class Factory>
auto createFrom(const Object& o, LoadContext& ctx, const char* kind, const char* other, const Factory& factory,
                bool isOther) {
  if (!factory) {
    if (isOther) t7::detail::fail<TypeError>("load: '", o.typeName(), "' is a ", other, ", not a ", kind);
    t7::detail::fail<TypeError>(
        "load: no ", kind, " class '", o.typeName(),
        "' is registered: a program can load the classes it builds (adds to a container); register others with "
        "serialize::registerModule<M>(), or all of t7's with serialize::registerAllModules<T>(). The file still "
        "loads as a serialize::Object");
  }
  auto m = factory();
  const ClassInfo* info = classInfo<T>(o.typeName());
  const Object src = upgraded<T>(o, info);
  FieldReader<T> r(src, info, ctx);
  m->visitFields(r);
  return m;
}

template <Element T>
std::unique_ptr<nn::AnyModule<T>> createModule(const Object& o, LoadContext& ctx) {
  checkInstance(o);
  const auto& reg = Registry<T>::instance();
  return createFrom<T>(o, ctx, "module", "criterion", reg.module(o.typeName()), static_cast<bool>(reg.criterion(o.typeName())));
}

template <Element T>
std::unique_ptr<nn::AnyCriterion<T>> createCriterion(const Object& o, LoadContext& ctx) {
  checkInstance(o);
  const auto& reg = Registry<T>::instance();
  return createFrom<T>(o, ctx, "criterion", "module", reg.criterion(o.typeName()), static_cast<bool>(reg.module(o.typeName())));
}

template <class M>
concept Listed = requires(M& m, nn::detail::ForwardFields<typename M::value_type>& v) { m.visitAll(v); };

}  // namespace detail

/// A typed module or criterion (Linear<float>, Sequential<double>, MSECriterion<float>...).
template <class M>
  requires(nn::Module<M> || nn::Criterion<M>) && detail::Listed<M>
struct Codec<M> {
  using T = typename M::value_type;
  static Object toObject(const M& m) {
    M& mm = const_cast<M&>(m);  // visiting reads the fields; nothing changes
    return detail::instanceObject<T>(mm.typeName(),
                                     [&](nn::detail::DynamicFields<T>& v) { nn::detail::forwardFields(mm, v); });
  }
  static M fromObject(const Object& o, LoadContext& ctx) {
    detail::checkInstance(o);
    M m{};
    if (o.typeName() != m.typeName())
      t7::detail::fail<TypeError>("load: the object is a ", o.typeName(), ", not a ", m.typeName());
    const ClassInfo* info = detail::classInfo<T>(m.typeName());
    const Object src = detail::upgraded<T>(o, info);
    detail::FieldReader<T> r(src, info, ctx);
    nn::detail::forwardFields(m, r);
    return m;
  }
};

/// Any module (the class is looked up in the registry).
template <Element T>
struct Codec<std::unique_ptr<nn::AnyModule<T>>> {
  static Object toObject(const std::unique_ptr<nn::AnyModule<T>>& m) {
    if (!m) return Object();
    return detail::moduleObject(*m);
  }
  static std::unique_ptr<nn::AnyModule<T>> fromObject(const Object& o, LoadContext& ctx) {
    if (o.isNil()) return nullptr;
    return detail::createModule<T>(o, ctx);
  }
};

/// Any criterion.
template <Element T>
struct Codec<std::unique_ptr<nn::AnyCriterion<T>>> {
  static Object toObject(const std::unique_ptr<nn::AnyCriterion<T>>& c) {
    if (!c) return Object();
    nn::AnyCriterion<T>& cc = *c;
    return detail::instanceObject<T>(cc.typeName(), [&](nn::detail::DynamicFields<T>& v) { cc.visitFields(v); });
  }
  static std::unique_ptr<nn::AnyCriterion<T>> fromObject(const Object& o, LoadContext& ctx) {
    if (o.isNil()) return nullptr;
    return detail::createCriterion<T>(o, ctx);
  }
};

/// A module by reference (saving only): `t7::save("net.t7", net.get(2))`.
template <Element T>
struct Codec<nn::AnyModule<T>> {
  static Object toObject(const nn::AnyModule<T>& m) { return detail::moduleObject(const_cast<nn::AnyModule<T>&>(m)); }
};

}  // namespace t7::serialize
