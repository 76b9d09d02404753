// The README's snippet, compiled and run: Torch7's Tensor basics in C++ (the Torch7 paper's
// "types co-exist" example, random numbers, slicing views, printing).
//
//   build/release/examples/tensor_basics
#include <t7/t7.hpp>

#include <iostream>

using namespace t7;

int main() {
  manualSeed(1);
  FloatTensor f(100);                      // float = torch.FloatTensor(100)
  f.uniform(-1, 1);                        // float:uniform(-1, 1)
  DoubleTensor d = f.toDouble();           // double = float:double()
  FloatTensor r(d.size());                 // r = torch.FloatTensor(double:size())
  r.copy(d);                               // r:copy(double) -- casts double->float
  auto l = randn<float>(100, 100);         // l = torch.randn(100, 100)
  FloatTensor block = l.slice({all, {1, 2}});  // l[{ {}, {2,3} }]: a view, 0-based, inclusive
  block.fill(0);                           // writes through to l
  std::cout << l.narrow(0, 0, 2).narrow(1, 0, 4);  // prints as Torch7 does

  // What the lines above promise, checked: the copy round-trips, the view wrote through.
  bool ok = r.toVector() == f.toVector() && l(5, 1) == 0 && l(5, 2) == 0 && l(5, 3) != 0;
  std::cout << (ok ? "ok" : "FAILED") << "\n";
  return ok ? 0 : 1;
}
