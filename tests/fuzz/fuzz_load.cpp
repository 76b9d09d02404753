/// \file fuzz_load.cpp
/// libFuzzer target for the .t7 loader (include/t7/serialize/). Each input is read as a .t7
/// file five ways: format auto-detected (`fromBytes(bytes)`), and with explicit options:
/// ascii, binary with 4-byte longs, big-endian, big-endian with 4-byte longs. A t7::Error is
/// the expected answer to a bad file; anything else is a finding: a crash, an ASan or UBSan
/// report, a hang (-timeout), memory beyond -rss_limit_mb, std::bad_alloc or any other
/// exception type.
///
/// An object that loads has its tensors touched (up to 4096 elements each, read through their
/// strides, so ASan checks the loader's bounds) and is written back (binary, then ascii) and read again: that must
/// succeed, and writing the re-read object must give the same bytes (only a Lua function,
/// which t7 never writes, may refuse to be written, with a TypeError).
///
/// Build and run: `bash scripts/fuzz.sh [SECONDS]` (tests/fuzz/make_corpus.cpp writes the
/// seed corpus).

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <unordered_set>
#include <variant>
#include <vector>

#include "t7/serialize.hpp"

namespace {

namespace ser = t7::serialize;

/// Where touched elements go, so that reading them is not optimised away.
volatile double sink = 0;

/// Reports a finding and aborts, so libFuzzer keeps the input as a crash file.
[[noreturn]] void finding(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "FUZZ FINDING: %s%s%s\n", what, detail.empty() ? "" : ": ", detail.c_str());
  std::abort();
}

/// True when `o` holds a Lua function anywhere (the writer refuses those). Walks shared
/// tables and objects once each, so a file of many back-references stays linear.
bool holdsFunction(const ser::Object& o, std::unordered_set<const void*>& seen) {
  if (o.isFunction()) return true;
  if (const void* id = o.identity(); id && !seen.insert(id).second) return false;
  const ser::TableData* t = nullptr;
  if (o.isTable()) {
    t = &o.tableData();
  } else if (o.isTorch() && o.torch().hasFields()) {
    t = &o.torch().fields().tableData();
  }
  if (!t) return false;
  for (const auto& [k, v] : t->entries)
    if (holdsFunction(k, seen) || holdsFunction(v, seen)) return true;
  return false;
}

/// Touches every tensor of the loaded graph: its element count and, for up to 4096 elements,
/// every element through its strides (ASan checks that each lies in the storage), and a
/// conversion to double. Walks shared tables and objects once each.
void touchTensors(const ser::Object& o, std::unordered_set<const void*>& seen) {
  if (const void* id = o.identity(); id && !seen.insert(id).second) return;
  if (o.isTensor()) {
    const bool small = std::visit(
        [](const auto& t) {
          if (t.nElement() > 4096) return false;
          double sum = 0;
          for (const auto& x : t.toVector()) sum += static_cast<double>(x);
          sink = sum;
          return true;
        },
        o.anyTensor());
    if (small) sink = static_cast<double>(o.tensor<double>().nElement());
    return;
  }
  const ser::TableData* t = nullptr;
  if (o.isTable()) {
    t = &o.tableData();
  } else if (o.isTorch() && o.torch().hasFields()) {
    t = &o.torch().fields().tableData();
  }
  if (!t) return;
  for (const auto& [k, v] : t->entries) {
    touchTensors(k, seen);
    touchTensors(v, seen);
  }
}

/// Writes `o` with `opts`, reads it back, writes that again: both writes must agree.
void roundTrip(const ser::Object& o, const ser::Options& opts, const char* mode) {
  std::string first;
  try {
    first = ser::toBytes(o, opts);
  } catch (const t7::TypeError& e) {
    std::unordered_set<const void*> seen;
    if (holdsFunction(o, seen)) return;  // Lua functions are read, never written
    finding("writing a loaded object failed", std::string(mode) + ": " + e.what());
  } catch (const t7::Error& e) {
    finding("writing a loaded object failed", std::string(mode) + ": " + e.what());
  }
  ser::Object again;
  try {
    again = ser::fromBytes(first, opts);
  } catch (const t7::Error& e) {
    finding("re-reading a written object failed", std::string(mode) + ": " + e.what());
  }
  std::string second;
  try {
    second = ser::toBytes(again, opts);
  } catch (const t7::Error& e) {
    finding("writing a re-read object failed", std::string(mode) + ": " + e.what());
  }
  if (first != second) finding("the round trip changed the bytes", mode);
}

/// A sample of t7's classes for module conversion, of every kind of field: parameters, index
/// fields, shapes, optionals, tables, containers, members, criterion lists, version upgrades.
/// (registerAllModules would compile all of nn into this target, minutes under ASan.)
void registerSomeModules() {
  static const bool once = [] {
    using namespace t7::nn;
    ser::registerModule<Sequential<float>>();
    ser::registerModule<Concat<float>>();
    ser::registerModule<Linear<float>>();
    ser::registerModule<SpatialConvolution<float>>();
    ser::registerModule<SpatialMaxPooling<float>>();
    ser::registerModule<BatchNormalization<float>>();
    ser::registerModule<View<float>>();
    ser::registerModule<Narrow<float>>();
    ser::registerModule<Transpose<float>>();
    ser::registerModule<Reshape<float>>();
    ser::registerModule<LookupTable<float>>();
    ser::registerModule<JoinTable<float>>();
    ser::registerModule<Dropout<float>>();
    ser::registerModule<ClassNLLCriterion<float>>();
    ser::registerModule<CrossEntropyCriterion<float>>();
    ser::registerModule<ParallelCriterion<float>>();
    return true;
  }();
  (void)once;
}

/// Everything done with an object that loaded.
void exercise(const ser::Object& o) {
  (void)o.typeName();
  std::unordered_set<const void*> seen;
  touchTensors(o, seen);

  ser::Options binary;
  roundTrip(o, binary, "binary");
  ser::Options ascii;
  ascii.format = ser::Format::Ascii;
  roundTrip(o, ascii, "ascii");

  // Module conversion: the registry's factory for the class fills a module from a hostile field
  // table (every field converted and range-checked), then the module is written back.
  if (o.isTorch() && o.torch().hasFields()) {
    ser::LoadContext ctx;
    registerSomeModules();
    try {
      if (ser::Registry<float>::instance().module(o.typeName())) {
        auto m = ser::fromObject<std::unique_ptr<t7::nn::AnyModule<float>>>(o, ctx);
        (void)ser::toBytes(ser::toObject(m));
      } else {
        auto c = ser::fromObject<std::unique_ptr<t7::nn::AnyCriterion<float>>>(o, ctx);
        (void)ser::toBytes(ser::toObject(c));
      }
    } catch (const t7::Error&) {
    }
  }
}

/// Loads `bytes` with `load`; t7::Error is a valid answer, nothing else is.
template <class Load>
void attempt(Load&& load, const char* how) {
  ser::Object o;
  try {
    o = load();
  } catch (const t7::Error&) {
    return;
  } catch (const std::bad_alloc&) {
    finding("std::bad_alloc while loading", how);
  } catch (const std::exception& e) {
    finding("a non-t7 exception while loading", std::string(how) + ": " + e.what());
  } catch (...) {
    finding("an unknown exception while loading", how);
  }
  try {
    exercise(o);
  } catch (const std::bad_alloc&) {
    finding("std::bad_alloc after loading", how);
  } catch (const std::exception& e) {
    finding("an exception after loading", std::string(how) + ": " + e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  attempt([&] { return ser::fromBytes(bytes); }, "auto-detected");

  ser::Options ascii;
  ascii.format = ser::Format::Ascii;
  attempt([&] { return ser::fromBytes(bytes, ascii); }, "ascii");

  ser::Options b32;
  b32.longSize = 4;
  attempt([&] { return ser::fromBytes(bytes, b32); }, "binary, 4-byte longs");

  ser::Options big;
  big.byteOrder = ser::ByteOrder::Big;
  attempt([&] { return ser::fromBytes(bytes, big); }, "big-endian");

  ser::Options big32 = big;
  big32.longSize = 4;
  attempt([&] { return ser::fromBytes(bytes, big32); }, "big-endian, 4-byte longs");
  return 0;
}
