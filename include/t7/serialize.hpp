#pragma once
/// \file serialize.hpp
/// Torch7's `torch.save` / `torch.load`: tensors, storages, numbers, strings, booleans, tables
/// and whole nn models, in Torch7's own .t7 format (binary by default, or ascii), so files move
/// both ways between t7 and Lua Torch7. docs/serialization.md has the guide and the layout.
///
/// ```cpp
/// t7::save("model.t7", net);                                   // torch.save('model.t7', net)
/// auto net2 = t7::load<nn::Sequential<float>>("model.t7");     // torch.load('model.t7')
/// auto any  = t7::loadModule<float>("from-lua.t7");            // whatever module it holds
/// serialize::Object o = t7::load<serialize::Object>("x.t7");   // any file, for inspection
/// std::cout << serialize::describe(o);
/// ```

#include <istream>
#include <ostream>
#include <string>
#include <string_view>

#include "t7/serialize/builtins.hpp"
#include "t7/serialize/codec.hpp"
#include "t7/serialize/describe.hpp"
#include "t7/serialize/io.hpp"
#include "t7/serialize/module.hpp"

namespace t7 {

namespace serialize {

/// Torch7's `torch.serialize(x [, 'binary'|'ascii'])`: the bytes of x.
template <class X>
std::string serialize(const X& x, const Options& options = {}) {
  return toBytes(toObject(x), options);
}

/// Torch7's `torch.deserialize(bytes)`: an X from bytes (the format is detected).
template <class X>
X deserialize(std::string_view bytes) {
  return fromObject<X>(fromBytes(bytes));
}
/// The same with the format given (Torch7's mode argument: ascii, or b32 = longSize 4).
template <class X>
X deserialize(std::string_view bytes, const Options& options) {
  return fromObject<X>(fromBytes(bytes, options));
}

}  // namespace serialize

/// Torch7's `torch.save(path, x [, 'ascii'])`: writes x to path atomically (a failure leaves
/// the previous file as it was). x: a tensor, storage, number, string, bool, Object, vector,
/// map, array, optional of those, a module, criterion or container.
template <class X>
void save(const std::string& path, const X& x, const serialize::Options& options = {}) {
  try {
    serialize::writeFile(path, serialize::serialize(x, options));
  } catch (const Error& e) {
    e.rethrowIn("save '" + path + "'");
  }
}

/// Writes x to a stream (not atomic: the stream is the caller's).
template <class X>
void save(std::ostream& out, const X& x, const serialize::Options& options = {}) {
  serialize::writeStream(out, serialize::serialize(x, options));
}

/// Torch7's `torch.load(path)`: the X stored in path (format, byte order and long size
/// detected). Throws IOError for a corrupt file (with the byte offset) and TypeError when the
/// file holds something else than an X.
template <class X>
X load(const std::string& path) {
  try {
    return serialize::deserialize<X>(serialize::readFile(path));
  } catch (const Error& e) {
    e.rethrowIn("load '" + path + "'");
    throw;  // not reached: rethrowIn throws
  }
}
/// The same with the format given.
template <class X>
X load(const std::string& path, const serialize::Options& options) {
  try {
    return serialize::deserialize<X>(serialize::readFile(path), options);
  } catch (const Error& e) {
    e.rethrowIn("load '" + path + "'");
    throw;  // not reached: rethrowIn throws
  }
}
/// An X from a stream.
template <class X>
X load(std::istream& in) {
  return serialize::deserialize<X>(serialize::readStream(in));
}

/// Whatever module path holds (its class from the registry): a Torch7 model of any shape.
template <Element T = float>
std::unique_ptr<nn::AnyModule<T>> loadModule(const std::string& path) {
  return load<std::unique_ptr<nn::AnyModule<T>>>(path);
}

}  // namespace t7
