// Shape functions: cat, stack, split, chunk, repeatTensor, flip, roll, tril, triu, diag.
#include "helpers.hpp"

#include <t7/math/shape.hpp>

#include <cstdint>
#include <limits>

using namespace t7;
using t7test::values;

namespace {
/// rows x cols matrix with values 0, 1, 2, ... in row-major order.
template <class T = float>
Tensor<T> grid(index_t rows, index_t cols) {
  return range<T>(0, static_cast<double>(rows * cols - 1)).view(rows, cols);
}
}  // namespace

// ---- cat ----------------------------------------------------------------------------------

TEST_CASE("cat: Torch7's doc examples, 0-based, default is the last dimension", "[math][shape][cat]") {
  // torch.cat(torch.ones(3), torch.zeros(2))
  CHECK(values(cat(ones<float>(3), zeros<float>(2))) == std::vector<float>{1, 1, 1, 0, 0});
  // torch.cat(torch.ones(3, 2), torch.zeros(2, 2), 1) -> 5x2
  FloatTensor r = cat(ones<float>(3, 2), zeros<float>(2, 2), 0);
  CHECK(r.sizes() == Shape{5, 2});
  CHECK(values(r) == std::vector<float>{1, 1, 1, 1, 1, 1, 0, 0, 0, 0});
  // torch.cat(torch.ones(2, 2), torch.zeros(2, 2), 2) -> 2x4
  r = cat(ones<float>(2, 2), zeros<float>(2, 2), 1);
  CHECK(r.sizes() == Shape{2, 4});
  CHECK(values(r) == std::vector<float>{1, 1, 0, 0, 1, 1, 0, 0});
  // default: last dimension
  CHECK(cat(ones<float>(2, 2), zeros<float>(2, 3)).sizes() == Shape{2, 5});
  // torch.cat({torch.ones(2, 2), torch.zeros(2, 2), torch.ones(3, 2) * 2}, 1) -> 7x2
  r = cat({ones<float>(2, 2), zeros<float>(2, 2), full<float>({3, 2}, 2)}, 0);
  CHECK(r.sizes() == Shape{7, 2});
  CHECK(values(r) == std::vector<float>{1, 1, 1, 1, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2});
  // a vector of tensors, and a negative dim
  std::vector<FloatTensor> parts{grid(2, 1), grid(2, 2)};
  r = cat(parts, -1);
  CHECK(values(r) == std::vector<float>{0, 0, 1, 1, 2, 3});
  // Torch7: a missing trailing dimension counts as 1, so two vectors along dim 1 are columns
  r = cat(range<float>(1, 3), range<float>(4, 6), 1);
  CHECK(r.sizes() == Shape{3, 2});
  CHECK(values(r) == std::vector<float>{1, 4, 2, 5, 3, 6});
  // ... and a vector joins a matrix's columns
  r = cat(grid(3, 2), range<float>(10, 12), 1);
  CHECK(values(r) == std::vector<float>{0, 1, 10, 2, 3, 11, 4, 5, 12});
}

TEST_CASE("cat: empty inputs are ignored, zero-size dimensions are fine", "[math][shape][cat]") {
  FloatTensor e;
  FloatTensor r = cat({e, range<float>(1, 2), e, range<float>(3, 3), e});
  CHECK(values(r) == std::vector<float>{1, 2, 3});
  r = cat(e, grid(2, 2), 0);
  CHECK(r.sizes() == Shape{2, 2});
  CHECK(cat(e, e).dim() == 0);  // all empty: empty result
  // a 0x3 tensor along dim 0 adds nothing
  r = cat(grid(2, 3).narrow(0, 0, 0), grid(2, 3), 0);
  CHECK(r.sizes() == Shape{2, 3});
  CHECK(values(r) == std::vector<float>{0, 1, 2, 3, 4, 5});
}

TEST_CASE("cat: non-contiguous inputs (transposed, narrowed, expanded)", "[math][shape][cat]") {
  FloatTensor g = grid(3, 4);
  FloatTensor t = g.t();                       // 4x3
  FloatTensor n = g.narrow(1, 1, 3);           // 3x3, strided rows
  FloatTensor x = range<float>(7, 9).view(1, 3).expand(2, 3);  // stride 0
  FloatTensor r = cat({t, n, x}, 0);
  CHECK(r.sizes() == Shape{9, 3});
  CHECK(values(r) == std::vector<float>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11, 1, 2, 3, 5, 6, 7, 9, 10, 11,
                                        7, 8, 9, 7, 8, 9});
  CHECK(r.isContiguous());
  r = cat(t.narrow(0, 0, 3), n, 1);  // along dim 1: 3x6
  CHECK(values(r) == std::vector<float>{0, 4, 8, 1, 2, 3, 1, 5, 9, 5, 6, 7, 2, 6, 10, 9, 10, 11});
}

TEMPLATE_TEST_CASE("cat and stack work on every element type", "[math][shape][cat]", std::int8_t, std::uint8_t,
                   std::int16_t, std::int32_t, std::int64_t, float, double) {
  using T = TestType;
  Tensor<T> a{{1, 2}, {3, 4}};
  Tensor<T> b{{5}, {6}};  // a 2x1 column
  CHECK(values(cat(a, b)) == std::vector<T>{1, 2, 5, 3, 4, 6});
  CHECK(values(cat(a, b.t(), 0)) == std::vector<T>{1, 2, 3, 4, 5, 6});
  Tensor<T> s = stack({a, a.t()}, 0);
  CHECK(s.sizes() == Shape{2, 2, 2});
  CHECK(values(s) == std::vector<T>{1, 2, 3, 4, 1, 3, 2, 4});
}

TEST_CASE("cat: result-first form, strides of a right-sized result are kept, aliases are safe",
          "[math][shape][cat]") {
  FloatTensor a = grid(2, 2), b = full<float>({2, 1}, 9);
  FloatTensor res;
  FloatTensor& ret = cat(res, a, b);
  CHECK(&ret == &res);
  CHECK(values(res) == std::vector<float>{0, 1, 9, 2, 3, 9});

  // a result of the right size that is a transposed view: written through its strides
  FloatTensor base = zeros<float>(3, 2);
  FloatTensor view = base.t();  // 2x3
  cat(view, a, b, 1);
  CHECK(view.strides() == Shape{1, 2});
  CHECK(values(base) == std::vector<float>{0, 2, 1, 3, 9, 9});

  // the result is one of the inputs: Torch7 would read what it already overwrote
  FloatTensor x = range<float>(1, 3);
  cat(x, x, range<float>(7, 7));
  CHECK(values(x) == std::vector<float>{1, 2, 3, 7});
  FloatTensor y = range<float>(1, 2);
  cat(y, {y, y, y}, 0);
  CHECK(values(y) == std::vector<float>{1, 2, 1, 2, 1, 2});
  // a result that overlaps an input with another layout
  FloatTensor m = grid(2, 2);
  FloatTensor col = m.select(1, 0);
  std::vector<FloatTensor> list{m.select(1, 1), m.select(0, 0)};
  cat(col, list, 0);  // col is resized over m's storage
  CHECK(values(col) == std::vector<float>{1, 3, 0, 1});
}

TEST_CASE("cat: errors name the operation, the shapes, the position and the dimension", "[math][shape][cat]") {
  T7_REQUIRE_THROWS_WITH_ALL(cat(grid(2, 3), grid(2, 4), 0), SizeError, "cat", "tensor 0 has size 2x3",
                             "tensor 1 has size 2x4", "dimension 1", "along dimension 0");
  FloatTensor e;
  T7_REQUIRE_THROWS_WITH_ALL(cat({e, grid(2, 3), grid(2, 3), grid(3, 2)}, 1), SizeError, "tensor 1 has size 2x3",
                             "tensor 3 has size 3x2", "dimension 0");
  T7_REQUIRE_THROWS_WITH_ALL(cat(grid(2, 3), grid(2, 3), 3), IndexError, "cat", "dimension 3");
  T7_REQUIRE_THROWS_WITH_ALL(cat(grid(2, 3), grid(2, 3), -3), IndexError, "cat", "dimension -3");
  T7_REQUIRE_THROWS_WITH_ALL(cat(std::vector<FloatTensor>{}), ValueError, "cat", "at least one");
  // a failed cat leaves the result untouched
  FloatTensor res = grid(1, 2);
  CHECK_THROWS_AS(cat(res, grid(2, 3), grid(3, 3), 1), SizeError);
  CHECK(res.sizes() == Shape{1, 2});
}

// ---- stack ----------------------------------------------------------------------------------

TEST_CASE("stack: a new dimension at 0, in the middle, at the end", "[math][shape][stack]") {
  FloatTensor a = grid(2, 3), b = grid(2, 3) + 10;
  FloatTensor s = stack({a, b});
  CHECK(s.sizes() == Shape{2, 2, 3});
  CHECK(values(s) == std::vector<float>{0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15});
  s = stack({a, b}, 1);
  CHECK(s.sizes() == Shape{2, 2, 3});
  CHECK(values(s) == std::vector<float>{0, 1, 2, 10, 11, 12, 3, 4, 5, 13, 14, 15});
  s = stack(std::vector<FloatTensor>{a, b}, -1);  // -1: the new last dimension
  CHECK(s.sizes() == Shape{2, 3, 2});
  CHECK(values(s) == std::vector<float>{0, 10, 1, 11, 2, 12, 3, 13, 4, 14, 5, 15});
  FloatTensor res;
  stack(res, {range<float>(1, 2), range<float>(3, 4).expand(2)}, 0);
  CHECK(values(res) == std::vector<float>{1, 2, 3, 4});
  CHECK(stack({a.t()}, 0).sizes() == Shape{1, 3, 2});
}

TEST_CASE("stack: errors", "[math][shape][stack]") {
  T7_REQUIRE_THROWS_WITH_ALL(stack({grid(2, 3), grid(3, 2)}), SizeError, "stack", "tensor 0 has size 2x3",
                             "tensor 1 has size 3x2");
  T7_REQUIRE_THROWS_WITH_ALL(stack({grid(2, 3), FloatTensor()}), SizeError, "stack", "tensor 1 is empty");
  T7_REQUIRE_THROWS_WITH_ALL(stack({grid(2, 3)}, 3), IndexError, "stack", "dimension 3");
  T7_REQUIRE_THROWS_WITH_ALL(stack(std::vector<FloatTensor>{}), ValueError, "stack", "at least one");
}

// ---- split, chunk -----------------------------------------------------------------------------

TEST_CASE("split: Torch7's doc example, 0-based; pieces are views", "[math][shape][split]") {
  FloatTensor x = range<float>(0, 59).view(3, 4, 5);
  auto p = split(x, 2, 0);  // x:split(2, 1)
  REQUIRE(p.size() == 2);
  CHECK(p[0].sizes() == Shape{2, 4, 5});
  CHECK(p[1].sizes() == Shape{1, 4, 5});
  p = split(x, 3, 1);  // x:split(3, 2)
  REQUIRE(p.size() == 2);
  CHECK(p[0].sizes() == Shape{3, 3, 5});
  CHECK(p[1].sizes() == Shape{3, 1, 5});
  p = split(x, 2, 2);  // x:split(2, 3)
  REQUIRE(p.size() == 3);
  CHECK(p[0].sizes() == Shape{3, 4, 2});
  CHECK(p[2].sizes() == Shape{3, 4, 1});
  CHECK(p[2](1, 2, 0) == x(1, 2, 4));
  p = split(x, 3, -1);
  CHECK(p.size() == 2);

  FloatTensor v = range<float>(0, 9);
  auto q = split(v, 3);
  REQUIRE(q.size() == 4);
  CHECK(values(q[0]) == std::vector<float>{0, 1, 2});
  CHECK(values(q[3]) == std::vector<float>{9});
  for (auto& piece : q) CHECK(piece.storage().isSameAs(v.storage()));
  q[1].fill(-1);  // a write through a piece is seen by x
  CHECK(values(v) == std::vector<float>{0, 1, 2, -1, -1, -1, 6, 7, 8, 9});
  CHECK(split(v, 10).size() == 1);
  CHECK(split(v, 100).size() == 1);
  CHECK(split(v.narrow(0, 0, 0), 3).empty());  // a size-0 dimension: no piece

  // non-contiguous input: columns of a transposed matrix
  auto c = split(grid(3, 4).t(), 2, 1);
  REQUIRE(c.size() == 2);
  CHECK(values(c[1]) == std::vector<float>{8, 9, 10, 11});

  // result-first: the table is cleared; x may be one of its elements
  std::vector<FloatTensor> res{v, v};
  split(res, res[0], 5);
  REQUIRE(res.size() == 2);
  CHECK(values(res[1]) == std::vector<float>{-1, 6, 7, 8, 9});
}

TEST_CASE("chunk: pieces of ceil(size / n), Torch7's doc example", "[math][shape][split]") {
  FloatTensor x = range<float>(0, 59).view(3, 4, 5);
  auto p = chunk(x, 2, 0);  // x:chunk(2, 1)
  REQUIRE(p.size() == 2);
  CHECK(p[0].sizes() == Shape{2, 4, 5});
  CHECK(p[1].sizes() == Shape{1, 4, 5});
  p = chunk(x, 2, 1);
  REQUIRE(p.size() == 2);
  CHECK(p[1].sizes() == Shape{3, 2, 5});
  p = chunk(x, 2, 2);
  REQUIRE(p.size() == 2);
  CHECK(p[0].sizes() == Shape{3, 4, 3});
  CHECK(p[1].sizes() == Shape{3, 4, 2});
  CHECK(p[1].storage().isSameAs(x.storage()));

  FloatTensor v = range<float>(0, 4);
  auto q = chunk(v, 4);  // ceil(5 / 4) = 2: 2, 2, 1 (fewer than 4, as in Torch7)
  REQUIRE(q.size() == 3);
  CHECK(values(q[2]) == std::vector<float>{4});
  CHECK(chunk(v, 5).size() == 5);
  CHECK(chunk(v, 9).size() == 5);
  CHECK(chunk(v, 1).size() == 1);
  CHECK(chunk(v.narrow(0, 0, 0), 2).empty());
  std::vector<FloatTensor> res;
  chunk(res, v, 2);
  CHECK(res.size() == 2);
}

TEST_CASE("split, chunk: errors", "[math][shape][split]") {
  FloatTensor v = range<float>(0, 9);
  T7_REQUIRE_THROWS_WITH_ALL(split(v, 0), ValueError, "split", "size must be > 0", "got 0", "10");
  T7_REQUIRE_THROWS_WITH_ALL(split(v, -2), ValueError, "split", "got -2");
  T7_REQUIRE_THROWS_WITH_ALL(split(v, 2, 1), IndexError, "split", "dimension 1");
  T7_REQUIRE_THROWS_WITH_ALL(chunk(v, 0), ValueError, "chunk", "must be > 0", "got 0");
  T7_REQUIRE_THROWS_WITH_ALL(chunk(v, 2, -2), IndexError, "chunk", "dimension -2");
  T7_REQUIRE_THROWS_WITH_ALL(split(FloatTensor(), 2), IndexError, "split", "0 dimensions");
}

// ---- repeatTensor ------------------------------------------------------------------------------

TEST_CASE("repeatTensor: Torch7's doc example and hand-computed tiles", "[math][shape][repeat]") {
  FloatTensor x = range<float>(1, 3);
  FloatTensor r = repeatTensor(x, 3, 2);  // torch.repeatTensor(x, 3, 2): 3x6
  CHECK(r.sizes() == Shape{3, 6});
  for (index_t i = 0; i < 3; ++i) CHECK(values(r.select(0, i)) == std::vector<float>{1, 2, 3, 1, 2, 3});
  r = repeatTensor(x, 3, 2, 1);  // 3x2x3, every row is x
  CHECK(r.sizes() == Shape{3, 2, 3});
  CHECK(values(r.view(6, 3).select(0, 5)) == std::vector<float>{1, 2, 3});
  CHECK(values(repeatTensor(x, 2)) == std::vector<float>{1, 2, 3, 1, 2, 3});
  CHECK(values(repeatTensor(x, Shape{1})) == std::vector<float>{1, 2, 3});
  CHECK(repeatTensor(x, {2, 1, 2}).sizes() == Shape{2, 1, 6});  // Torch7's LongStorage of sizes

  FloatTensor m{{1, 2}, {3, 4}};
  r = repeatTensor(m, 2, 3);
  CHECK(r.sizes() == Shape{4, 6});
  CHECK(values(r) == std::vector<float>{1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4});
  // a zero repetition gives a zero size
  CHECK(repeatTensor(m, 0, 2).sizes() == Shape{0, 4});
}

TEMPLATE_TEST_CASE("repeatTensor: non-contiguous inputs and many tiles match the formula", "[math][shape][repeat]",
                   std::uint8_t, std::int32_t, double) {
  using T = TestType;
  Tensor<T> base = grid<T>(4, 3);
  Tensor<T> x = base.t().narrow(1, 1, 3);  // 3x3, strides {1, 3}
  Tensor<T> r = repeatTensor(x, 2, 5, 7);  // 2 x 15 x 21
  REQUIRE(r.sizes() == Shape{2, 15, 21});
  bool ok = true;
  for (index_t a = 0; a < 2; ++a)
    for (index_t i = 0; i < 15; ++i)
      for (index_t j = 0; j < 21; ++j) ok = ok && r(a, i, j) == x(i % 3, j % 3);
  CHECK(ok);
  Tensor<T> e = Tensor<T>{5}.expand(4);  // stride 0
  CHECK(values(repeatTensor(e, 2)) == std::vector<T>(8, T(5)));
}

TEST_CASE("repeatTensor: result-first and errors", "[math][shape][repeat]") {
  FloatTensor x = range<float>(1, 2);
  FloatTensor res;
  repeatTensor(res, x, 2, 2);
  CHECK(values(res) == std::vector<float>{1, 2, 1, 2, 1, 2, 1, 2});
  repeatTensor(x, x, 3);  // the result is the input
  CHECK(values(x) == std::vector<float>{1, 2, 1, 2, 1, 2});
  T7_REQUIRE_THROWS_WITH_ALL(repeatTensor(grid(2, 3), 2), SizeError, "repeatTensor", "1 repetitions", "2x3",
                             "at least one per dimension");
  T7_REQUIRE_THROWS_WITH_ALL(repeatTensor(grid(2, 3), 2, -1), ValueError, "repeatTensor", "negative");
  T7_REQUIRE_THROWS_WITH_ALL(repeatTensor(FloatTensor(), 2), SizeError, "repeatTensor", "empty");
  T7_REQUIRE_THROWS_WITH_ALL(repeatTensor(grid(2, 3), index_t{1} << 62, 4), SizeError, "repeatTensor", "overflow");
}

// ---- flip, roll ---------------------------------------------------------------------------------

TEST_CASE("flip: one dimension, several, negative, non-contiguous", "[math][shape][flip]") {
  CHECK(values(flip(range<float>(1, 4), 0)) == std::vector<float>{4, 3, 2, 1});
  FloatTensor g = grid(2, 3);
  CHECK(values(flip(g, 0)) == std::vector<float>{3, 4, 5, 0, 1, 2});
  CHECK(values(flip(g, 1)) == std::vector<float>{2, 1, 0, 5, 4, 3});
  CHECK(values(flip(g, -1)) == std::vector<float>{2, 1, 0, 5, 4, 3});
  CHECK(values(flip(g, {0, 1})) == std::vector<float>{5, 4, 3, 2, 1, 0});
  CHECK(values(flip(g, std::vector<int>{})) == values(g));
  FloatTensor c = range<float>(0, 23).view(2, 3, 4);
  FloatTensor f = flip(c, {0, 2});
  CHECK(f(0, 1, 0) == c(1, 1, 3));
  CHECK(f(1, 2, 3) == c(0, 2, 0));
  CHECK(f.isContiguous());
  // transposed input
  CHECK(values(flip(g.t(), 0)) == std::vector<float>{2, 5, 1, 4, 0, 3});
  // expanded input
  CHECK(values(flip(range<float>(1, 2).view(1, 2).expand(2, 2), 1)) == std::vector<float>{2, 1, 2, 1});
  // integer types, size-1 and size-0 dimensions
  CHECK(values(flip(LongTensor{{7, 8}}, 0)) == std::vector<std::int64_t>{7, 8});
  CHECK(flip(g.narrow(0, 0, 0), 1).sizes() == Shape{0, 3});
  // in place: through a temporary
  FloatTensor v = range<float>(1, 5);
  flip(v, v, 0);
  CHECK(values(v) == std::vector<float>{5, 4, 3, 2, 1});
  T7_REQUIRE_THROWS_WITH_ALL(flip(g, 2), IndexError, "flip", "dimension 2");
  T7_REQUIRE_THROWS_WITH_ALL(flip(g, {1, -1}), ValueError, "flip", "dimension 1 is given twice", "2x3");
}

TEST_CASE("roll: along a dimension, flattened, any shift", "[math][shape][roll]") {
  FloatTensor v = range<float>(0, 4);
  CHECK(values(roll(v, 2, 0)) == std::vector<float>{3, 4, 0, 1, 2});
  CHECK(values(roll(v, -1, 0)) == std::vector<float>{1, 2, 3, 4, 0});
  CHECK(values(roll(v, 7, 0)) == std::vector<float>{3, 4, 0, 1, 2});
  CHECK(values(roll(v, 5, 0)) == values(v));
  CHECK(values(roll(v, 0, 0)) == values(v));
  // shift at the ends of int64: no overflow
  CHECK(values(roll(v, std::numeric_limits<index_t>::min(), 0)) == values(roll(v, -8, 0)));
  CHECK(values(roll(v, std::numeric_limits<index_t>::max(), 0)) == values(roll(v, 7, 0)));
  FloatTensor g = grid(2, 3);
  CHECK(values(roll(g, 1, 1)) == std::vector<float>{2, 0, 1, 5, 3, 4});
  CHECK(values(roll(g, 1, 0)) == std::vector<float>{3, 4, 5, 0, 1, 2});
  CHECK(values(roll(g, 1)) == std::vector<float>{5, 0, 1, 2, 3, 4});  // flattened, shape kept
  CHECK(roll(g, 1).sizes() == Shape{2, 3});
  CHECK(values(roll(g.t(), 1)) == std::vector<float>{5, 0, 3, 1, 4, 2});  // g.t() = 0 3 1 4 2 5
  CHECK(values(roll(g.t(), -1, 1)) == std::vector<float>{3, 0, 4, 1, 5, 2});
  CHECK(roll(g.narrow(1, 0, 0), 3, 1).sizes() == Shape{2, 0});
  CHECK(roll(FloatTensor(), 3).dim() == 0);
  // result-first into a transposed view, and in place
  FloatTensor base = zeros<float>(3, 2);
  FloatTensor view = base.t();
  roll(view, g, 1);
  CHECK(values(base) == std::vector<float>{5, 2, 0, 3, 1, 4});
  roll(v, v, 1, 0);
  CHECK(values(v) == std::vector<float>{4, 0, 1, 2, 3});
  IntTensor iv{1, 2, 3};
  CHECK(values(roll(iv, 1, 0)) == std::vector<std::int32_t>{3, 1, 2});
  T7_REQUIRE_THROWS_WITH_ALL(roll(g, 1, 2), IndexError, "roll", "dimension 2");
}

// ---- tril, triu, diag ------------------------------------------------------------------------------

TEST_CASE("tril, triu: diagonal offsets, non-square, Torch7 semantics", "[math][shape][tril]") {
  FloatTensor g = grid(3, 4) + 1;  // 1..12
  CHECK(values(tril(g)) == std::vector<float>{1, 0, 0, 0, 5, 6, 0, 0, 9, 10, 11, 0});
  CHECK(values(tril(g, 1)) == std::vector<float>{1, 2, 0, 0, 5, 6, 7, 0, 9, 10, 11, 12});
  CHECK(values(tril(g, -1)) == std::vector<float>{0, 0, 0, 0, 5, 0, 0, 0, 9, 10, 0, 0});
  CHECK(values(triu(g)) == std::vector<float>{1, 2, 3, 4, 0, 6, 7, 8, 0, 0, 11, 12});
  CHECK(values(triu(g, 1)) == std::vector<float>{0, 2, 3, 4, 0, 0, 7, 8, 0, 0, 0, 12});
  CHECK(values(triu(g, -1)) == std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 0, 10, 11, 12});
  // offsets past the matrix, up to the ends of int64
  CHECK(values(tril(g, 100)) == values(g));
  CHECK(values(tril(g, std::numeric_limits<index_t>::max())) == values(g));
  CHECK(values(tril(g, std::numeric_limits<index_t>::min())) == std::vector<float>(12, 0));
  CHECK(values(triu(g, std::numeric_limits<index_t>::min())) == values(g));
  CHECK(values(triu(g, 4)) == std::vector<float>(12, 0));
  // transposed input (4x3)
  CHECK(values(tril(g.t())) == std::vector<float>{1, 0, 0, 2, 6, 0, 3, 7, 11, 4, 8, 12});
  CHECK(values(triu(g.t(), 1)) == std::vector<float>{0, 5, 9, 0, 0, 10, 0, 0, 0, 0, 0, 0});
  // integer types; in place; into a view
  LongTensor l{{1, 2}, {3, 4}};
  CHECK(values(triu(l)) == std::vector<std::int64_t>{1, 2, 0, 4});
  tril(l, l);
  CHECK(values(l) == std::vector<std::int64_t>{1, 0, 3, 4});
  FloatTensor base = zeros<float>(4, 3);
  FloatTensor view = base.t();  // 3x4 view
  triu(view, g);
  CHECK(values(base) == std::vector<float>{1, 0, 0, 2, 6, 0, 3, 7, 11, 4, 8, 12});
  CHECK(tril(grid(2, 3).narrow(0, 0, 0)).sizes() == Shape{0, 3});
}

TEST_CASE("tril, triu: errors on rank", "[math][shape][tril]") {
  T7_REQUIRE_THROWS_WITH_ALL(tril(range<float>(1, 3)), SizeError, "tril", "2-D", "1-D tensor of size 3");
  T7_REQUIRE_THROWS_WITH_ALL(triu(zeros<float>(2, 2, 2)), SizeError, "triu", "2x2x2");
  T7_REQUIRE_THROWS_WITH_ALL(triu(FloatTensor()), SizeError, "triu", "0-D");
}

TEST_CASE("diag: vector to matrix and matrix to vector, with offsets", "[math][shape][diag]") {
  FloatTensor v = range<float>(1, 3);
  FloatTensor m = diag(v);
  CHECK(m.sizes() == Shape{3, 3});
  CHECK(values(m) == std::vector<float>{1, 0, 0, 0, 2, 0, 0, 0, 3});
  m = diag(v, 1);
  CHECK(m.sizes() == Shape{4, 4});
  CHECK(values(m) == std::vector<float>{0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 0, 0});
  m = diag(v, -2);
  CHECK(m.sizes() == Shape{5, 5});
  CHECK(m(2, 0) == 1);
  CHECK(m(3, 1) == 2);
  CHECK(m(4, 2) == 3);
  CHECK(values(m.narrow(1, 3, 2)) == std::vector<float>(10, 0));
  CHECK(values(diag(FloatTensor{7})) == std::vector<float>{7});

  FloatTensor g = grid(3, 4);  // 0..11
  CHECK(values(diag(g)) == std::vector<float>{0, 5, 10});
  CHECK(values(diag(g, 1)) == std::vector<float>{1, 6, 11});
  CHECK(values(diag(g, 3)) == std::vector<float>{3});
  CHECK(values(diag(g, -1)) == std::vector<float>{4, 9});
  CHECK(values(diag(g, -2)) == std::vector<float>{8});
  CHECK(values(diag(g.t())) == std::vector<float>{0, 5, 10});   // transposed
  CHECK(values(diag(g.t(), 1)) == std::vector<float>{4, 9});
  FloatTensor d = diag(g);
  d.fill(-1);  // a copy, as in Torch7
  CHECK(g(1, 1) == 5);
  // round trip, integer types, strided vector input
  IntTensor iv{4, 5};
  CHECK(values(diag(diag(iv, -1), -1)) == std::vector<std::int32_t>{4, 5});
  CHECK(values(diag(g.select(1, 2))) == std::vector<float>{2, 0, 0, 0, 6, 0, 0, 0, 10});
  // result-first, including into a strided view and in place
  FloatTensor base = zeros<float>(2, 3);
  FloatTensor col = base.select(1, 1);  // size 2, stride 3
  diag(col, grid(2, 2));
  CHECK(values(base) == std::vector<float>{0, 0, 0, 0, 3, 0});
  FloatTensor w = range<float>(1, 2);
  diag(w, w);
  CHECK(values(w) == std::vector<float>{1, 0, 0, 2});
}

TEST_CASE("diag: errors", "[math][shape][diag]") {
  FloatTensor g = grid(3, 4);
  T7_REQUIRE_THROWS_WITH_ALL(diag(g, 4), IndexError, "diag", "diagonal 4", "3x4", "valid: -2 to 3");
  T7_REQUIRE_THROWS_WITH_ALL(diag(g, -3), IndexError, "diag", "diagonal -3");
  T7_REQUIRE_THROWS_WITH_ALL(diag(zeros<float>(2, 2, 2)), SizeError, "diag", "1-D or 2-D", "2x2x2");
  T7_REQUIRE_THROWS_WITH_ALL(diag(FloatTensor()), SizeError, "diag", "0-D");
  T7_REQUIRE_THROWS_WITH_ALL(diag(range<float>(1, 2), std::numeric_limits<index_t>::min()), SizeError, "diag",
                             "overflows");
}
