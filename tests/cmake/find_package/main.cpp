// Consumer check (find_package): t7 used the way a user's project uses it.
#include <t7/t7.hpp>

#include <cstdio>

int main() {
  t7::FloatTensor t(2, 3);
  t.fill(1.5f);
  const bool ok = t.nElement() == 6 && t.dim() == 2 && t(1, 2) == 1.5f;
  std::printf("t7 consumer (find_package): nElement=%lld dim=%lld t(1,2)=%g -> %s\n",
              static_cast<long long>(t.nElement()), static_cast<long long>(t.dim()),
              static_cast<double>(t(1, 2)), ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
