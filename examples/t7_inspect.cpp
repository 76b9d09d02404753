// t7-inspect: what a .t7 file holds, without knowing its classes. Prints the object tree as
// Torch7's REPL showed a loaded file (classes, fields, tensor sizes), then, when the file holds
// an nn model t7 knows, the model as `print(model)` shows it. Reads files written by Lua Torch7
// (binary or ascii, either byte order, 4- or 8-byte longs: detected) and by t7.
//
//   build/release/examples/t7-inspect FILE [--ascii] [--b32] [--depth N] [--entries N]
//
// --ascii / --b32 force the format (Torch7's torch.load(file, 'ascii' | 'b32')); the default
// detects it. --depth and --entries bound how much of a large tree is shown.
#include <t7/t7.hpp>

#include <cstdio>
#include <iostream>
#include <string>

using namespace t7;

int main(int argc, char** argv) try {
  std::string path;
  serialize::DescribeOptions show;
  std::optional<serialize::Options> format;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw ValueError("t7-inspect: " + a + " needs a value");
      return argv[++i];
    };
    if (a == "--ascii") format = serialize::Options{.format = serialize::Format::Ascii};
    else if (a == "--b32") format = serialize::Options{.longSize = 4};
    else if (a == "--depth") show.maxDepth = std::stoi(next());
    else if (a == "--entries") show.maxEntries = std::stoul(next());
    else if (!a.empty() && a[0] == '-') throw ValueError("t7-inspect: unknown option " + a);
    else path = a;
  }
  if (path.empty()) {
    std::cerr << "usage: t7-inspect FILE [--ascii] [--b32] [--depth N] [--entries N]\n";
    return 2;
  }
  const std::string bytes = serialize::readFile(path);
  const serialize::Object root = format ? serialize::fromBytes(bytes, *format) : serialize::fromBytes(bytes);
  std::printf("%s: %zu bytes\n%s\n", path.c_str(), bytes.size(), serialize::describe(root, show).c_str());
  // A model t7 knows: show it as Torch7's print(model) did. Any class may be in the file, so
  // all of t7's are registered (this file then compiles all of nn; a program that loads the
  // models it builds needs nothing).
  serialize::registerAllModules<float>();
  if (root.isTorch() && serialize::Registry<float>::instance().module(root.typeName())) {
    try {
      std::cout << "\nas a t7 model:\n" << serialize::fromObject<std::unique_ptr<nn::AnyModule<float>>>(root)->toString()
                << "\n";
    } catch (const Error& e) {
      std::cout << "\nnot loadable as a t7 model: " << e.what() << "\n";
    }
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << e.what() << "\n";
  return 1;
}
