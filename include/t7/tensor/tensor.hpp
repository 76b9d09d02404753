#pragma once
/// \file tensor.hpp
/// `Tensor<T, Device>`: Torch7's N-dimensional tensor, as a handle.
///
/// A Tensor is (Storage, storageOffset, sizes, strides) with a rank known at run time.
/// Copying a Tensor shares its storage (Lua's `b = a`); `clone()` copies the data. Views
/// (`narrow`, `select`, `transpose`, `view`, `expand`, `slice`...) share the storage too, so a
/// write through a view is seen by every tensor on that storage. Constness is the handle's:
/// a `const Tensor&` cannot be re-pointed or resized, but its elements can be written (like
/// a `std::span` or a `shared_ptr`).
///
/// Indices and dimensions are 0-based (Torch7's are 1-based).

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <iterator>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "t7/core/config.hpp"
#include "t7/core/device.hpp"
#include "t7/core/dtype.hpp"
#include "t7/core/error.hpp"
#include "t7/core/parallel.hpp"
#include "t7/core/generator.hpp"
#include "t7/core/shape.hpp"
#include "t7/core/storage.hpp"
#include "t7/fwd.hpp"
#include "t7/tensor/slice.hpp"

namespace t7 {

namespace detail {
template <class T, class D>
class ElementIterator;

/// One number of a flat braced list (`Tensor<float>{1, 2.5}`): any integer, or a floating
/// value for a floating T (so `LongTensor{1.5}` does not compile). Being a user-defined
/// conversion, it makes `Tensor<T>{{1}, {2}}` unambiguously a 2x1 column.
template <class T>
struct ListValue {
  T value;
  template <class U>
    requires(std::is_integral_v<U> || (std::is_floating_point_v<U> && std::is_floating_point_v<T>))
  ListValue(U u) : value(static_cast<T>(u)) {}  // NOLINT: implicit by design
};
}  // namespace detail

template <Element T, Device D>
class Tensor {
 public:
  using value_type = T;
  using device_type = D;
  using iterator = detail::ElementIterator<T, D>;

  // ---- construction -------------------------------------------------------------------

  /// An empty tensor: no dimension, no element, no storage (Torch7's `torch.FloatTensor()`).
  Tensor() = default;
  /// Uninitialised tensor of the given sizes (Torch7's `torch.FloatTensor(5, 3)`).
  /// Parentheses give sizes; braces give values (`Tensor<float>{5, 3}` is the vector [5, 3]).
  template <std::integral... I>
    requires(sizeof...(I) >= 1)
  explicit Tensor(I... sizes) : Tensor(Shape{static_cast<index_t>(sizes)...}) {}
  /// Uninitialised tensor of the given sizes.
  explicit Tensor(const Shape& sizes) { resize(sizes); }
  /// A view of `storage` (Torch7's `torch.Tensor(storage, offset, sizes [, strides])`).
  /// Empty `strides` means contiguous. Throws when the view reaches outside the storage.
  Tensor(Storage<T, D> storage, index_t storageOffset, const Shape& sizes, const Strides& strides = {}) {
    set(std::move(storage), storageOffset, sizes, strides);
  }
  /// Values from nested braces: `Tensor<float>{{1, 2}, {3, 4}}` is a 2x2 tensor.
  Tensor(std::initializer_list<detail::ListValue<T>> v) { initFrom(v); }
  Tensor(std::initializer_list<std::initializer_list<T>> v) { initFrom(v); }
  Tensor(std::initializer_list<std::initializer_list<std::initializer_list<T>>> v) { initFrom(v); }
  Tensor(std::initializer_list<std::initializer_list<std::initializer_list<std::initializer_list<T>>>> v) {
    initFrom(v);
  }

  // ---- queries ------------------------------------------------------------------------

  /// Number of dimensions (0 for an empty tensor).
  int dim() const { return sizes_.size(); }
  int nDimension() const { return dim(); }
  /// Size of dimension `d`.
  index_t size(int d) const { return sizes_[checkDim(d, "size")]; }
  /// All sizes (Torch7's `t:size()`).
  const Shape& size() const { return sizes_; }
  const Shape& sizes() const { return sizes_; }
  /// Stride of dimension `d`, in elements.
  index_t stride(int d) const { return strides_[checkDim(d, "stride")]; }
  const Strides& stride() const { return strides_; }
  const Strides& strides() const { return strides_; }
  /// Number of elements (0 for an empty tensor).
  index_t nElement() const { return dim() == 0 ? 0 : sizes_.productUnchecked(); }
  index_t numel() const { return nElement(); }
  /// The storage this tensor views.
  const Storage<T, D>& storage() const { return storage_; }
  /// Counts a write into the elements (Storage::version; t7's writing operations call it).
  void noteWrite() const noexcept { storage_.noteWrite(); }
  /// Offset of the first element in the storage.
  index_t storageOffset() const { return offset_; }
  /// Pointer to the first element (storage data + offset); nullptr without storage.
  T* data() const { return storage_.data() ? storage_.data() + offset_ : nullptr; }
  static constexpr index_t elementSize() { return sizeof(T); }
  /// True when the elements are laid out in row-major order without gaps.
  bool isContiguous() const;
  /// True when both tensors have the same sizes (element types may differ).
  template <Element U>
  bool isSameSizeAs(const Tensor<U, D>& other) const { return sizes_ == other.sizes(); }
  /// True when the sizes equal `sizes`.
  bool isSize(const Shape& sizes) const { return sizes_ == sizes; }
  /// True when both view the same elements the same way (storage, offset, sizes, strides).
  bool isSetTo(const Tensor& other) const;
  /// Torch7's type name: "torch.FloatTensor".
  static std::string typeName() {
    std::string s = "torch.";
    s += TypeName<T>::value;
    s += "Tensor";
    return s;
  }

  // ---- views (share the storage) -----------------------------------------------------

  /// Elements [start, start + length) of dimension `dim`.
  Tensor narrow(int dim, index_t start, index_t length) const;
  /// Slice at `index` of dimension `dim`; the result has one dimension less.
  Tensor select(int dim, index_t index) const;
  /// Torch7's `sub(s0, e0 [, s1, e1, ...])`: narrows dimension k to [s_k, e_k], both
  /// inclusive; negative bounds count from the end (-1 is the last element).
  template <std::integral... I>
  Tensor sub(I... bounds) const { return subImpl({static_cast<index_t>(bounds)...}); }
  /// Swaps dimensions d1 and d2.
  Tensor transpose(int d1, int d2) const;
  /// Transpose of a 2-D tensor.
  Tensor t() const;
  /// Reorders the dimensions: result dimension i is dimension order[i] of this tensor.
  Tensor permute(const Shape& order) const;
  template <std::integral... I>
  Tensor permute(I... order) const { return permute(Shape{static_cast<index_t>(order)...}); }
  /// The same elements with new sizes (one may be -1, inferred); shares storage. Throws
  /// LayoutError when the strides cannot express it (use reshape() or contiguous() first).
  Tensor view(const Shape& sizes) const;
  template <std::integral... I>
  Tensor view(I... sizes) const { return view(Shape{static_cast<index_t>(sizes)...}); }
  template <Element U>
  Tensor viewAs(const Tensor<U, D>& other) const { return view(other.sizes()); }
  /// Like view(), but copies when the layout cannot be viewed.
  Tensor reshape(const Shape& sizes) const;
  template <std::integral... I>
  Tensor reshape(I... sizes) const { return reshape(Shape{static_cast<index_t>(sizes)...}); }
  /// All windows of `size` elements along `dim`, `step` apart, as a new last dimension.
  Tensor unfold(int dim, index_t size, index_t step) const;
  /// Repeats size-1 dimensions (stride 0, no copy); may prepend new leading dimensions.
  Tensor expand(const Shape& sizes) const;
  template <std::integral... I>
  Tensor expand(I... sizes) const { return expand(Shape{static_cast<index_t>(sizes)...}); }
  template <Element U>
  Tensor expandAs(const Tensor<U, D>& other) const { return expand(other.sizes()); }
  /// Removes every dimension of size 1 (a 1-element tensor keeps one dimension).
  Tensor squeeze() const;
  /// Removes dimension `dim` if its size is 1.
  Tensor squeeze(int dim) const;
  /// Inserts a dimension of size 1 at position `dim` (0 <= dim <= dim()).
  Tensor unsqueeze(int dim) const;
  /// This tensor if contiguous, else a contiguous copy.
  Tensor contiguous() const;
  /// Torch7-style slicing: one entry per leading dimension, each `all`, an index (selects,
  /// dropping the dimension), `{i}` (narrows to one element, keeping it) or `{first, last}`
  /// (inclusive; negatives count from the end). `t.slice({all, {1, 2}})` is Lua's
  /// `t[{ {}, {2,3} }]`.
  Tensor slice(std::initializer_list<Slice> spec) const;

  // ---- re-pointing the handle --------------------------------------------------------

  /// Makes this tensor view exactly what `other` views (Torch7's `set`).
  Tensor& set(const Tensor& other);
  /// Makes this tensor view `storage` with the given layout (empty strides: contiguous).
  Tensor& set(Storage<T, D> storage, index_t storageOffset, const Shape& sizes, const Strides& strides = {});
  /// New sizes, contiguous strides; grows the storage if needed (contents kept in storage
  /// order, new elements uninitialised). Torch7's `resize`.
  Tensor& resize(const Shape& sizes);
  template <std::integral... I>
    requires(sizeof...(I) >= 1)
  Tensor& resize(I... sizes) { return resize(Shape{static_cast<index_t>(sizes)...}); }
  template <Element U>
  Tensor& resizeAs(const Tensor<U, D>& other) { return resize(other.sizes()); }

  // ---- data ---------------------------------------------------------------------------

  /// A contiguous copy with its own storage.
  Tensor clone() const;
  /// Copies `src` into this tensor, converting the element type. The element counts must
  /// match (shapes may differ: elements pair up in row-major order, as in Torch7).
  template <Element U>
  Tensor& copy(const Tensor<U, D>& src);
  /// Sets every element to `value`.
  Tensor& fill(T value);
  /// Sets every element to 0.
  Tensor& zero() { return fill(T(0)); }
  /// A new contiguous tensor of element type U (Torch7's `:float()`, `:double()`, ...).
  template <Element U>
  Tensor<U, D> to() const;
  Tensor<float, D> toFloat() const { return to<float>(); }
  Tensor<double, D> toDouble() const { return to<double>(); }
  Tensor<std::int8_t, D> toChar() const { return to<std::int8_t>(); }
  Tensor<std::uint8_t, D> toByte() const { return to<std::uint8_t>(); }
  Tensor<std::int16_t, D> toShort() const { return to<std::int16_t>(); }
  Tensor<std::int32_t, D> toInt() const { return to<std::int32_t>(); }
  Tensor<std::int64_t, D> toLong() const { return to<std::int64_t>(); }
  /// The elements in row-major order, as a std::vector (Torch7's `totable` for 1 dim).
  std::vector<T> toVector() const;

  /// Element at the given indices (one per dimension; negatives count from the end).
  template <std::integral... I>
    requires(sizeof...(I) >= 1)
  T& operator()(I... index) const {
    const index_t idx[] = {static_cast<index_t>(index)...};
    return *elementPtr(idx, static_cast<int>(sizeof...(I)));
  }
  /// The value of a tensor with exactly one element.
  T item() const;

  /// Iteration over the elements in row-major order (any layout).
  iterator begin() const;
  iterator end() const;

  /// Calls `fn` on every element in row-major order (Torch7's `apply`). `fn` takes `T&`
  /// and returns nothing, or takes `T` and returns the new value.
  template <class F>
  Tensor& apply(F&& fn);
  /// `x = fn(x, y)` for paired elements of this tensor and `other` (Torch7's `map`).
  template <Element U, class F>
  Tensor& map(const Tensor<U, D>& other, F&& fn);
  /// `x = fn(x, y, z)` over this tensor, `a` and `b` (Torch7's `map2`).
  template <Element U, Element V, class F>
  Tensor& map2(const Tensor<U, D>& a, const Tensor<V, D>& b, F&& fn);

  // ---- random fills (in place, element by element in row-major order) ----------------
  // Each takes an optional Generator first, as Torch7's `x:uniform([gen,] a, b)`.

  Tensor& uniform(Generator& g, double a = 0, double b = 1);
  Tensor& uniform(double a = 0, double b = 1) { return uniform(defaultGenerator(), a, b); }
  Tensor& normal(Generator& g, double mean = 0, double stdv = 1);
  Tensor& normal(double mean = 0, double stdv = 1) { return normal(defaultGenerator(), mean, stdv); }
  Tensor& exponential(Generator& g, double lambda = 1);
  Tensor& exponential(double lambda = 1) { return exponential(defaultGenerator(), lambda); }
  Tensor& cauchy(Generator& g, double median = 0, double sigma = 1);
  Tensor& cauchy(double median = 0, double sigma = 1) { return cauchy(defaultGenerator(), median, sigma); }
  Tensor& logNormal(Generator& g, double mean = 1, double stdv = 2);
  Tensor& logNormal(double mean = 1, double stdv = 2) { return logNormal(defaultGenerator(), mean, stdv); }
  Tensor& geometric(Generator& g, double p);
  Tensor& geometric(double p) { return geometric(defaultGenerator(), p); }
  Tensor& bernoulli(Generator& g, double p = 0.5);
  Tensor& bernoulli(double p = 0.5) { return bernoulli(defaultGenerator(), p); }
  /// Bernoulli with a per-element probability taken from `p` (same element count).
  template <FloatingElement P>
  Tensor& bernoulli(Generator& g, const Tensor<P, D>& p);
  template <FloatingElement P>
  Tensor& bernoulli(const Tensor<P, D>& p) { return bernoulli(defaultGenerator(), p); }
  /// Integers drawn uniformly over the type's non-negative range (Torch7's `random()`).
  Tensor& random(Generator& g);
  Tensor& random() { return random(defaultGenerator()); }
  /// Integers uniform in [0, n) (Torch7's `random(n)` gives [1, n]: 0-based here).
  Tensor& random(Generator& g, index_t n);
  Tensor& random(index_t n) { return random(defaultGenerator(), n); }
  /// Integers uniform in [a, b], both inclusive (Torch7's `random(a, b)`).
  Tensor& random(Generator& g, index_t a, index_t b);
  Tensor& random(index_t a, index_t b) { return random(defaultGenerator(), a, b); }

  // ---- expressions (defined in t7/expr) -------------------------------------------------

  /// Evaluates an expression into a new tensor: `FloatTensor r = a + b * 2;` is one loop.
  template <class E>
    requires expr::isNode<E>
  Tensor(const E& e);
  /// Evaluates an expression into this tensor's memory (Torch7's `torch.add(r, a, b)`);
  /// an empty tensor is resized first, any other must already have the expression's
  /// shape (SizeError otherwise). Alias-safe. Assigning a Tensor instead shares it, as
  /// Lua's `r = a`.
  template <class E>
    requires expr::isNode<E>
  Tensor& operator=(const E& e);
  /// In place, one loop, no temporary: `x += y` (a tensor, an expression or a number;
  /// `y` broadcasts to x's shape).
  template <class X> Tensor& operator+=(const X& x);
  template <class X> Tensor& operator-=(const X& x);
  template <class X> Tensor& operator*=(const X& x);
  template <class X> Tensor& operator/=(const X& x);
  /// Torch7's in-place math: `x.add(v)` is x += v, `x.add(y)` is x += y, `x.add(v, y)` is
  /// x += v * y; `csub` likewise subtracts (Torch7's name: `sub` is the view); `mul(v)`, `div(v)` scale; `cmul(y)`, `cdiv(y)` multiply and
  /// divide elementwise; `addcmul(v, a, b)` is x += v * a * b; `addcdiv(v, a, b)` is
  /// x += v * a / b; `clamp(lo, hi)`; `pow(v)`.
  template <class S> requires std::is_arithmetic_v<S> Tensor& add(S value);
  template <class X> requires(!std::is_arithmetic_v<X>) Tensor& add(const X& x);
  template <class S, class X> requires std::is_arithmetic_v<S> Tensor& add(S value, const X& x);
  template <class S> requires std::is_arithmetic_v<S> Tensor& csub(S value);
  template <class X> requires(!std::is_arithmetic_v<X>) Tensor& csub(const X& x);
  template <class S, class X> requires std::is_arithmetic_v<S> Tensor& csub(S value, const X& x);
  template <class S> requires std::is_arithmetic_v<S> Tensor& mul(S value);
  template <class S> requires std::is_arithmetic_v<S> Tensor& div(S value);
  template <class X> Tensor& cmul(const X& x);
  template <class X> Tensor& cdiv(const X& x);
  template <class S, class X, class Y> Tensor& addcmul(S value, const X& a, const Y& b);
  template <class S, class X, class Y> Tensor& addcdiv(S value, const X& a, const Y& b);
  template <class S> Tensor& clamp(S lo, S hi);
  template <class S> requires std::is_arithmetic_v<S> Tensor& pow(S value);

  // ---- printing -----------------------------------------------------------------------

  /// Torch7's text form: the values, then `[torch.FloatTensor of size 2x3]`.
  std::string toString() const;

 private:
  template <Element, Device>
  friend class Tensor;

  int checkDim(int d, const char* op, int extra = 0) const {
    if (d < 0 || d >= dim() + extra) badDim(d, op, extra);
    return d;
  }
  [[noreturn]] T7_COLD void badDim(int d, const char* op, int extra) const;
  T* elementPtr(const index_t* idx, int n) const;
  Tensor subImpl(std::initializer_list<index_t> bounds) const;
  template <class L>
  void initFrom(const L& list);

  Storage<T, D> storage_;
  index_t offset_ = 0;
  Shape sizes_;
  Strides strides_;
};

using FloatTensor = Tensor<float>;
using DoubleTensor = Tensor<double>;
using CharTensor = Tensor<std::int8_t>;
using ByteTensor = Tensor<std::uint8_t>;
using ShortTensor = Tensor<std::int16_t>;
using IntTensor = Tensor<std::int32_t>;
using LongTensor = Tensor<std::int64_t>;

/// Writes Torch7's text form of `t` (see Tensor::toString).
template <Element T, Device D>
std::ostream& operator<<(std::ostream& os, const Tensor<T, D>& t);

}  // namespace t7

#include "t7/tensor/detail/iteration.hpp"
#include "t7/tensor/detail/tensor_impl.hpp"
#include "t7/tensor/detail/views.hpp"
#include "t7/tensor/detail/random_fill.hpp"
#include "t7/tensor/print.hpp"
