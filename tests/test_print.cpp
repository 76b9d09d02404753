// Printing: Tensor::toString() must be byte-identical to Torch7's tostring(t).
// D1-D12 are outputs from torch7's doc/tensor.md (brought to the master form: footer
// "of size", header "(1,.,.) = " with its trailing space); V1-V34 come from the algorithm
// (see the print spec). Every expected string ends with the footer and one '\n'.
#include "helpers.hpp"

#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

using namespace t7;

namespace {

/// Checks toString() and operator<< against the exact expected text.
template <class T>
void checkPrint(const Tensor<T>& t, const std::string& expected) {
  CHECK(t.toString() == expected);
  std::ostringstream os;
  os << t;
  CHECK(os.str() == expected);
}

/// A DoubleTensor of the given sizes holding `v` in row-major order.
DoubleTensor fromValues(const std::vector<double>& v, const Shape& sizes) {
  DoubleTensor t(static_cast<index_t>(v.size()));
  for (std::size_t i = 0; i < v.size(); ++i) t(static_cast<index_t>(i)) = v[i];
  return t.view(sizes);
}

const double kInf = std::numeric_limits<double>::infinity();

}  // namespace

// ---- D: real Torch7 output from doc/tensor.md ------------------------------------------

TEST_CASE("print D1: 4x5 integer matrix", "[print]") {
  checkPrint(range<double>(1, 20).view(4, 5),
             "  1   2   3   4   5\n"
             "  6   7   8   9  10\n"
             " 11  12  13  14  15\n"
             " 16  17  18  19  20\n"
             "[torch.DoubleTensor of size 4x5]\n");
}

TEST_CASE("print D2: 2x5 filled with 3.14", "[print]") {
  DoubleTensor t(2, 5);
  t.fill(3.14);
  checkPrint(t,
             " 3.1400  3.1400  3.1400  3.1400  3.1400\n"
             " 3.1400  3.1400  3.1400  3.1400  3.1400\n"
             "[torch.DoubleTensor of size 2x5]\n");
}

TEST_CASE("print D3: 1-D integer vector", "[print]") {
  checkPrint(DoubleTensor{4, 2, 10, 4, 5},
             "  4\n"
             "  2\n"
             " 10\n"
             "  4\n"
             "  5\n"
             "[torch.DoubleTensor of size 5]\n");
}

TEST_CASE("print D4: 5x2 negative integers", "[print]") {
  DoubleTensor z(5, 2);
  z.select(1, 0).fill(-1);
  z.select(1, 1).fill(-2);
  checkPrint(z,
             "-1 -2\n"
             "-1 -2\n"
             "-1 -2\n"
             "-1 -2\n"
             "-1 -2\n"
             "[torch.DoubleTensor of size 5x2]\n");
}

TEST_CASE("print D5: 5x5 mixed magnitudes use %8.4f", "[print]") {
  DoubleTensor x{{0.8414, -10, 0.3934, -10, 0.5403},
                 {0.3029, -10, 0.7893, -10, 0.6334},
                 {0.3743, -10, 0.1573, -10, 0.8460},
                 {0.2838, -10, 0.0076, -10, 0.5185},
                 {0.8739, -10, 0.4271, -10, 0.9116}};
  checkPrint(x,
             "  0.8414 -10.0000   0.3934 -10.0000   0.5403\n"
             "  0.3029 -10.0000   0.7893 -10.0000   0.6334\n"
             "  0.3743 -10.0000   0.1573 -10.0000   0.8460\n"
             "  0.2838 -10.0000   0.0076 -10.0000   0.5185\n"
             "  0.8739 -10.0000   0.4271 -10.0000   0.9116\n"
             "[torch.DoubleTensor of size 5x5]\n");
}

TEST_CASE("print D6: exact zeros among fractions", "[print]") {
  DoubleTensor x{{0.3227, 0.5185, 0.2947, 0.9414, 0.1159},
                 {0, 0.4294, 0, 0.0578, 0},
                 {0.7338, 0, 0.8476, 0, 0.1273}};
  checkPrint(x,
             " 0.3227  0.5185  0.2947  0.9414  0.1159\n"
             " 0.0000  0.4294  0.0000  0.0578  0.0000\n"
             " 0.7338  0.0000  0.8476  0.0000  0.1273\n"
             "[torch.DoubleTensor of size 3x5]\n");
}

namespace {
const double kRepeat[5] = {0.7160, 0.6514, 0.0704, 0.7856, 0.7452};
}

TEST_CASE("print D7: 3x10 of %7.4f fits 80 columns without a header", "[print]") {
  DoubleTensor t(3, 10);  // torch.repeatTensor(x, 3, 2)
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 10; ++j) t(i, j) = kRepeat[j % 5];
  checkPrint(t,
             " 0.7160  0.6514  0.0704  0.7856  0.7452  0.7160  0.6514  0.0704  0.7856  0.7452\n"
             " 0.7160  0.6514  0.0704  0.7856  0.7452  0.7160  0.6514  0.0704  0.7856  0.7452\n"
             " 0.7160  0.6514  0.0704  0.7856  0.7452  0.7160  0.6514  0.0704  0.7856  0.7452\n"
             "[torch.DoubleTensor of size 3x10]\n");
}

TEST_CASE("print D8: 3-D 3x2x5", "[print]") {
  DoubleTensor t(3, 2, 5);  // torch.repeatTensor(x, 3, 2, 1)
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 5; ++k) t(i, j, k) = kRepeat[k];
  checkPrint(t,
             "(1,.,.) = \n"
             "  0.7160  0.6514  0.0704  0.7856  0.7452\n"
             "  0.7160  0.6514  0.0704  0.7856  0.7452\n"
             "\n"
             "(2,.,.) = \n"
             "  0.7160  0.6514  0.0704  0.7856  0.7452\n"
             "  0.7160  0.6514  0.0704  0.7856  0.7452\n"
             "\n"
             "(3,.,.) = \n"
             "  0.7160  0.6514  0.0704  0.7856  0.7452\n"
             "  0.7160  0.6514  0.0704  0.7856  0.7452\n"
             "[torch.DoubleTensor of size 3x2x5]\n");
}

TEST_CASE("print D9: 5-D slices go first index fastest", "[print]") {
  // Row-major storage of x[i][0][k][0][:]: (1,1,1) (1,1,2) (2,1,1) (2,1,2).
  const DoubleTensor x =
      fromValues({0.6020, 0.8897, 0.4441, 0.9792, 0.4713, 0.2645, 0.5467, 0.8648}, Shape{2, 1, 2, 1, 2});
  checkPrint(x,
             "(1,1,1,.,.) = \n"
             "  0.6020  0.8897\n"
             "\n"
             "(2,1,1,.,.) = \n"
             "  0.4713  0.2645\n"
             "\n"
             "(1,1,2,.,.) = \n"
             "  0.4441  0.9792\n"
             "\n"
             "(2,1,2,.,.) = \n"
             "  0.5467  0.8648\n"
             "[torch.DoubleTensor of size 2x1x2x1x2]\n");
}

TEST_CASE("print D10: ByteTensor 2x6", "[print]") {
  checkPrint(ByteTensor{{1, 0, 1, 0, 0, 0}, {1, 1, 0, 0, 0, 1}},
             " 1  0  1  0  0  0\n"
             " 1  1  0  0  0  1\n"
             "[torch.ByteTensor of size 2x6]\n");
}

TEST_CASE("print D11: LongTensor 3x2", "[print]") {
  checkPrint(LongTensor{{2, 3}, {3, 4}, {4, 2}},
             " 2  3\n"
             " 3  4\n"
             " 4  2\n"
             "[torch.LongTensor of size 3x2]\n");
}

TEST_CASE("print D12: IntTensor 1-D from 3.14", "[print]") {
  DoubleTensor t(3);
  t.fill(3.14);
  checkPrint(t.toInt(),
             " 3\n"
             " 3\n"
             " 3\n"
             "[torch.IntTensor of size 3]\n");
}

// ---- V: derived from the algorithm --------------------------------------------------

TEST_CASE("print V1: FloatTensor 2x3 non-integer", "[print]") {
  checkPrint(FloatTensor{{1.5f, 2.25f, -3.125f}, {4, 5.5f, 6}},
             " 1.5000  2.2500 -3.1250\n"
             " 4.0000  5.5000  6.0000\n"
             "[torch.FloatTensor of size 2x3]\n");
}

TEST_CASE("print V2: FloatTensor values are widened to double, then rounded", "[print]") {
  checkPrint(FloatTensor{{0.1f, 0.2f, 0.3f}, {1.0f, 2.0f, 3.14159f}},
             " 0.1000  0.2000  0.3000\n"
             " 1.0000  2.0000  3.1416\n"
             "[torch.FloatTensor of size 2x3]\n");
}

TEST_CASE("print V3: integer-valued doubles use %2d", "[print]") {
  checkPrint(DoubleTensor{{1, 2, 3}, {4, 5, 6}},
             " 1  2  3\n"
             " 4  5  6\n"
             "[torch.DoubleTensor of size 2x3]\n");
}

TEST_CASE("print V4: negatives fill the width of %4d", "[print]") {
  checkPrint(DoubleTensor{{-1, 10}, {100, -250}},
             "  -1   10\n"
             " 100 -250\n"
             "[torch.DoubleTensor of size 2x2]\n");
}

TEST_CASE("print V5: 1-D non-integer", "[print]") {
  checkPrint(DoubleTensor{1.5, -2.25, 3},
             " 1.5000\n"
             "-2.2500\n"
             " 3.0000\n"
             "[torch.DoubleTensor of size 3]\n");
}

TEST_CASE("print V6: 1-D integer", "[print]") {
  checkPrint(DoubleTensor{1, 2, 10},
             "  1\n"
             "  2\n"
             " 10\n"
             "[torch.DoubleTensor of size 3]\n");
}

TEST_CASE("print V7: 1-D large values, scale 100000", "[print]") {
  checkPrint(DoubleTensor{123456.5, 234567.25},
             "100000 *\n"
             " 1.2346\n"
             " 2.3457\n"
             "[torch.DoubleTensor of size 2]\n");
}

TEST_CASE("print V8: 2-D large values, scale 1e+06", "[print]") {
  checkPrint(DoubleTensor{{1234567.5, 2000000.5}, {3000000.25, -4500000}},
             "1e+06 *\n"
             "  1.2346  2.0000\n"
             "  3.0000 -4.5000\n"
             "[torch.DoubleTensor of size 2x2]\n");
}

TEST_CASE("print V9: 2-D small values, scale 0.001", "[print]") {
  checkPrint(DoubleTensor{{0.001, 0.0025}, {-0.005, 0.0075}},
             "0.001 *\n"
             "  1.0000  2.5000\n"
             " -5.0000  7.5000\n"
             "[torch.DoubleTensor of size 2x2]\n");
}

TEST_CASE("print V10: 1-D small values, scale 0.01", "[print]") {
  checkPrint(DoubleTensor{0.05, 0.025},
             "0.01 *\n"
             " 5.0000\n"
             " 2.5000\n"
             "[torch.DoubleTensor of size 2]\n");
}

TEST_CASE("print V11: wide dynamic range uses %11.4e (2-D)", "[print]") {
  checkPrint(DoubleTensor{{1e-7, 0.5}, {-2.5, 1234.5}},
             " 1.0000e-07  5.0000e-01\n"
             "-2.5000e+00  1.2345e+03\n"
             "[torch.DoubleTensor of size 2x2]\n");
}

TEST_CASE("print V12: wide dynamic range uses %11.4e (1-D)", "[print]") {
  checkPrint(DoubleTensor{1e-7, 1},
             " 1.0000e-07\n"
             " 1.0000e+00\n"
             "[torch.DoubleTensor of size 2]\n");
}

TEST_CASE("print V13: 3-D integer 2x2x3", "[print]") {
  checkPrint(range<double>(1, 12).view(2, 2, 3),
             "(1,.,.) = \n"
             "   1   2   3\n"
             "   4   5   6\n"
             "\n"
             "(2,.,.) = \n"
             "   7   8   9\n"
             "  10  11  12\n"
             "[torch.DoubleTensor of size 2x2x3]\n");
}

TEST_CASE("print V14: 4-D slices in odometer order, first index fastest", "[print]") {
  checkPrint(range<double>(1, 8).view(2, 2, 1, 2),
             "(1,1,.,.) = \n"
             "  1  2\n"
             "\n"
             "(2,1,.,.) = \n"
             "  5  6\n"
             "\n"
             "(1,2,.,.) = \n"
             "  3  4\n"
             "\n"
             "(2,2,.,.) = \n"
             "  7  8\n"
             "[torch.DoubleTensor of size 2x2x1x2]\n");
}

TEST_CASE("print V15: wide integer matrix is split into Columns", "[print]") {
  checkPrint(range<double>(1, 60).view(2, 30),
             "Columns 1 to 20\n"
             "  1   2   3   4   5   6   7   8   9  10  11  12  13  14  15  16  17  18  19  20\n"
             " 31  32  33  34  35  36  37  38  39  40  41  42  43  44  45  46  47  48  49  50\n"
             "\n"
             "Columns 21 to 30\n"
             " 21  22  23  24  25  26  27  28  29  30\n"
             " 51  52  53  54  55  56  57  58  59  60\n"
             "[torch.DoubleTensor of size 2x30]\n");
}

TEST_CASE("print V16: wide float matrix is split into Columns", "[print]") {
  DoubleTensor t = range<double>(1, 24).view(2, 12);
  t.apply([](double x) { return x / 8; });
  checkPrint(t,
             "Columns 1 to 10\n"
             " 0.1250  0.2500  0.3750  0.5000  0.6250  0.7500  0.8750  1.0000  1.1250  1.2500\n"
             " 1.6250  1.7500  1.8750  2.0000  2.1250  2.2500  2.3750  2.5000  2.6250  2.7500\n"
             "\n"
             "Columns 11 to 12\n"
             " 1.3750  1.5000\n"
             " 2.8750  3.0000\n"
             "[torch.DoubleTensor of size 2x12]\n");
}

TEST_CASE("print V17: N-D Columns headers keep Torch7's indent quirk", "[print]") {
  DoubleTensor t = range<double>(1, 24).view(1, 2, 12);
  t.apply([](double x) { return x / 8; });
  checkPrint(t,
             "(1,.,.) = \n"
             " Columns 1 to 9\n"
             "  0.1250  0.2500  0.3750  0.5000  0.6250  0.7500  0.8750  1.0000  1.1250\n"
             "  1.6250  1.7500  1.8750  2.0000  2.1250  2.2500  2.3750  2.5000  2.6250\n"
             "\n"
             "Columns 10 to 12\n"
             "  1.2500  1.3750  1.5000\n"
             "  2.7500  2.8750  3.0000\n"
             "[torch.DoubleTensor of size 1x2x12]\n");
}

TEST_CASE("print V18: the scale line repeats under every Columns header", "[print]") {
  DoubleTensor t = range<double>(1, 12);
  t.apply([](double x) { return x * 1e6 + 0.5; });
  checkPrint(t.view(1, 12),
             "Columns 1 to 10\n"
             "1e+07 *\n"
             "  0.1000  0.2000  0.3000  0.4000  0.5000  0.6000  0.7000  0.8000  0.9000  1.0000\n"
             "\n"
             "Columns 11 to 12\n"
             "1e+07 *\n"
             "  1.1000  1.2000\n"
             "[torch.DoubleTensor of size 1x12]\n");
}

TEST_CASE("print V19: LongTensor 1-D", "[print]") {
  checkPrint(LongTensor{1, 2, 3},
             " 1\n"
             " 2\n"
             " 3\n"
             "[torch.LongTensor of size 3]\n");
}

TEST_CASE("print V20: ByteTensor 2x2", "[print]") {
  checkPrint(ByteTensor{{0, 255}, {1, 2}},
             "   0  255\n"
             "   1    2\n"
             "[torch.ByteTensor of size 2x2]\n");
}

TEST_CASE("print V21: integers >= 1e9 use %11.4e", "[print]") {
  checkPrint(LongTensor{1, 1000000000},
             " 1.0000e+00\n"
             " 1.0000e+09\n"
             "[torch.LongTensor of size 2]\n");
}

TEST_CASE("print V22: all zeros 2x2", "[print]") {
  checkPrint(zeros<double>(2, 2),
             " 0  0\n"
             " 0  0\n"
             "[torch.DoubleTensor of size 2x2]\n");
}

TEST_CASE("print V23: all zeros 1-D float", "[print]") {
  FloatTensor t(3);
  t.zero();
  checkPrint(t,
             " 0\n"
             " 0\n"
             " 0\n"
             "[torch.FloatTensor of size 3]\n");
}

TEST_CASE("print V24: zeros do not widen the range", "[print]") {
  checkPrint(DoubleTensor{0, 0.5, 0.25},
             " 0.0000\n"
             " 0.5000\n"
             " 0.2500\n"
             "[torch.DoubleTensor of size 3]\n");
}

TEST_CASE("print V25: inf among integers", "[print]") {
  checkPrint(DoubleTensor{1, kInf, -2},
             " 1.0000e+00\n"
             "        inf\n"
             "-2.0000e+00\n"
             "[torch.DoubleTensor of size 3]\n");
}

TEST_CASE("print V26: inf among non-integers uses %12.4e", "[print]") {
  checkPrint(DoubleTensor{1.5, -kInf},
             "  1.5000e+00\n"
             "        -inf\n"
             "[torch.DoubleTensor of size 2]\n");
}

TEST_CASE("print V27: a NaN falls back to plain %f", "[print]") {
  checkPrint(DoubleTensor{{1, std::numeric_limits<double>::quiet_NaN()}, {2.5, 3}},
             "1.000000 nan\n"
             "2.500000 3.000000\n"
             "[torch.DoubleTensor of size 2x2]\n");
}

TEST_CASE("print V28: empty tensor", "[print]") {
  checkPrint(FloatTensor(), "[torch.FloatTensor with no dimension]\n");
  checkPrint(LongTensor(), "[torch.LongTensor with no dimension]\n");
}

TEST_CASE("print V29: 1x1 FloatTensor filled with 3.14", "[print]") {
  FloatTensor t(1, 1);
  t.fill(3.14f);
  checkPrint(t,
             " 3.1400\n"
             "[torch.FloatTensor of size 1x1]\n");
}

TEST_CASE("print V30: 5-digit non-integers within 4 decades use %11.4f", "[print]") {
  checkPrint(DoubleTensor{12345.678, -1.5},
             " 12345.6780\n"
             "    -1.5000\n"
             "[torch.DoubleTensor of size 2]\n");
}

TEST_CASE("print V31: a range of exactly 5 decades uses %e", "[print]") {
  checkPrint(DoubleTensor{12345.678, -0.5},
             " 1.2346e+04\n"
             "-5.0000e-01\n"
             "[torch.DoubleTensor of size 2]\n");
}

TEST_CASE("print V32: N-D with a scale repeats it in every slice", "[print]") {
  checkPrint(DoubleTensor{{{1e6 + 0.5, 2e6}}, {{3e6, 4e6}}},
             "(1,.,.) = \n"
             " 1e+06 *\n"
             "   1.0000  2.0000\n"
             "\n"
             "(2,.,.) = \n"
             " 1e+06 *\n"
             "   3.0000  4.0000\n"
             "[torch.DoubleTensor of size 2x1x2]\n");
}

TEST_CASE("print V33: CharTensor negative integers", "[print]") {
  checkPrint(CharTensor{{-128, 127}},
             "-128  127\n"
             "[torch.CharTensor of size 1x2]\n");
}

TEST_CASE("print V34: values below 1 (expMax 0) use %7.4f", "[print]") {
  checkPrint(DoubleTensor{{0.8020, 0.0369}, {0.2746, 0.0076}},
             " 0.8020  0.0369\n"
             " 0.2746  0.0076\n"
             "[torch.DoubleTensor of size 2x2]\n");
}

// ---- beyond the spec vectors ----------------------------------------------------------

TEST_CASE("print: non-contiguous views print their own elements in row-major order", "[print]") {
  const DoubleTensor m = range<double>(1, 6).view(2, 3);
  checkPrint(m.t(),
             " 1  4\n"
             " 2  5\n"
             " 3  6\n"
             "[torch.DoubleTensor of size 3x2]\n");
  checkPrint(m.select(1, 2),
             " 3\n"
             " 6\n"
             "[torch.DoubleTensor of size 2]\n");
}

TEST_CASE("print: ShortTensor and the format follows the whole tensor", "[print]") {
  // The widest value anywhere (1000 -> %5d, after the one-space indent) sets the width of every slice.
  checkPrint(ShortTensor{{{1, 2}}, {{-3, 1000}}},
             "(1,.,.) = \n"
             "     1     2\n"
             "\n"
             "(2,.,.) = \n"
             "    -3  1000\n"
             "[torch.ShortTensor of size 2x1x2]\n");
}

TEST_CASE("print: a size-0 dimension prints only the footer", "[print]") {
  checkPrint(FloatTensor(0), "[torch.FloatTensor of size 0]\n");
  checkPrint(FloatTensor(2, 0), "[torch.FloatTensor of size 2x0]\n");
}
