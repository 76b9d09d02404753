#pragma once
/// \file cifar.hpp
/// CIFAR-10 and CIFAR-100, binary version (Torch7's `cifar10` / `dataset` loaders):
/// `readCIFAR10Batch`, `readCIFAR100Batch` for one file, `loadCIFAR10`, `loadCIFAR100` for a
/// split of the extracted archive, `findCIFAR10`, `findCIFAR100`.
///
/// A CIFAR-10 batch file (`data_batch_1.bin` .. `data_batch_5.bin`, `test_batch.bin`) is a
/// sequence of 3073-byte records: one label byte (0..9), then 3072 pixel bytes, the 1024 red,
/// 1024 green and 1024 blue values of a 32x32 image, rows top to bottom. CIFAR-100
/// (`train.bin`, `test.bin`) records have two label bytes, coarse (0..19) then fine (0..99),
/// then the same 3072 bytes. The files are neither compressed nor headed: the size must be a
/// whole number of records, checked before anything is allocated.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "t7/core/error.hpp"
#include "t7/data/dataset.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::data {

/// Bytes of one CIFAR image: 3 x 32 x 32.
inline constexpr index_t kCIFARImageBytes = 3 * 32 * 32;

/// CIFAR-100: `labels` are the 100 fine classes; the 20 superclasses come along.
struct CIFAR100 : LabeledImages {
  LongTensor coarseLabels;                 ///< N, 0-based superclasses 0..19
  std::vector<std::string> coarseClasses;  ///< the 20 superclass names
};

/// Reads one CIFAR-10 batch file: images ByteTensor [N x 3 x 32 x 32] (0..255), labels
/// LongTensor [N] (0..9), classes the ten standard names. Throws IOError naming the file for:
/// a missing or unreadable file, a gzip/tar or Python-pickle file (the wrong download), an
/// empty file, a size that is not a multiple of 3073 bytes, a label above 9 (with its record
/// and byte offset).
LabeledImages readCIFAR10Batch(const std::string& path);
/// Reads one CIFAR-100 file (2 label bytes + 3072 per record): `labels` fine 0..99,
/// `coarseLabels` 0..19. IOError as readCIFAR10Batch (record size 3074).
CIFAR100 readCIFAR100Batch(const std::string& path);

/// Loads a split of CIFAR-10 from `dir`, the extracted `cifar-10-batches-bin` folder or the
/// folder holding it: Split::Train concatenates `data_batch_1.bin` .. `data_batch_5.bin`
/// (50000 examples), Split::Test reads `test_batch.bin` (10000). Class names come from
/// `batches.meta.txt` when present (it must then name exactly 10 classes), else the standard
/// ten. IOError naming the missing file, or as readCIFAR10Batch.
LabeledImages loadCIFAR10(const std::string& dir, Split split);
/// Loads a split of CIFAR-100 from `dir`, the extracted `cifar-100-binary` folder or the
/// folder holding it: `train.bin` (50000) or `test.bin` (10000); class names from
/// `fine_label_names.txt` (100) and `coarse_label_names.txt` (20) when present.
CIFAR100 loadCIFAR100(const std::string& dir, Split split);

/// `$T7_DATA_DIR/cifar-10-batches-bin`, then `/usr/share/datasets/cifar-10-batches-bin`,
/// when it holds the six batch files; else nothing.
std::optional<std::string> findCIFAR10();
/// The same for `cifar-100-binary` with `train.bin` and `test.bin`.
std::optional<std::string> findCIFAR100();

/// The ten CIFAR-10 class names: airplane, automobile, bird, cat, deer, dog, frog, horse,
/// ship, truck.
const std::vector<std::string>& cifar10Classes();

// =====================================================================================
// Definitions
// =====================================================================================

inline const std::vector<std::string>& cifar10Classes() {
  static const std::vector<std::string> names = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                 "dog",      "frog",       "horse", "ship", "truck"};
  return names;
}

namespace detail {

/// The layout of one kind of CIFAR record.
struct CIFARFormat {
  const char* name;     // "CIFAR-10"
  int labelBytes;       // 1 or 2
  int classes[2];       // label limits: {10} or {20 (coarse), 100 (fine)}
  index_t recordBytes() const { return labelBytes + kCIFARImageBytes; }
};
inline constexpr CIFARFormat kCIFAR10{"CIFAR-10", 1, {10, 0}};
inline constexpr CIFARFormat kCIFAR100{"CIFAR-100", 2, {20, 100}};

/// Opens a batch file and checks its size; returns the number of records.
inline index_t cifarRecords(InputFile& in, const CIFARFormat& f) {
  const std::string head = in.head(4);
  if (head.size() >= 2 && head[0] == '\x1f' && head[1] == '\x8b')
    fail<IOError>(in.where(), "is gzip-compressed, not a ", f.name,
                  " batch: extract the downloaded archive first (tar xzf cifar-10-binary.tar.gz)");
  if (head.size() >= 2 && head[0] == '\x80' && head[1] >= 2 && head[1] <= 5)
    fail<IOError>(in.where(), "looks like a Python pickle (the \"python version\" of ", f.name,
                  "): t7 reads the binary version (cifar-10-binary.tar.gz / cifar-100-binary.tar.gz)");
  const index_t size = in.fileSize(), rec = f.recordBytes();
  if (size == 0) fail<IOError>(in.where(), "is empty: a ", f.name, " batch holds at least one record");
  if (size % rec != 0)
    fail<IOError>(in.where(), "size ", size, " bytes is not a multiple of the ", f.name, " record size ", rec, " (",
                  f.labelBytes, " label byte", f.labelBytes > 1 ? "s" : "", " + ", kCIFARImageBytes,
                  " pixel bytes): truncated at byte ", size - size % rec, " in record ", size / rec,
                  ", or not a ", f.name, " file");
  return size / rec;
}

/// Reads `n` records into images (n x 3072 bytes) and labels (`labelBytes` arrays of n).
inline void readCIFARRecords(InputFile& in, const CIFARFormat& f, index_t n, std::uint8_t* images,
                             std::int64_t* const* labels) {
  const index_t rec = f.recordBytes();
  const index_t chunk = 256;  // records per read
  std::vector<unsigned char> buf(static_cast<std::size_t>(std::min(n, chunk) * rec));
  for (index_t done = 0; done < n;) {
    const index_t k = std::min(chunk, n - done);
    const std::size_t got = in.read(buf.data(), std::size_t(k * rec));
    if (index_t(got) < k * rec)  // the file shrank after its size was checked
      fail<IOError>(in.where(), "truncated at byte ", done * rec + index_t(got), ": ", n, " records of ", rec,
                    " bytes expected");
    for (index_t i = 0; i < k; ++i) {
      const unsigned char* r = buf.data() + i * rec;
      for (int b = 0; b < f.labelBytes; ++b) {
        if (r[b] >= f.classes[b])
          fail<IOError>(in.where(), "label ", int(r[b]), " of record ", done + i, " (at byte ", (done + i) * rec + b,
                        ") is not a ", f.labelBytes == 2 ? (b == 0 ? "coarse " : "fine ") : "", "class 0..",
                        f.classes[b] - 1);
        labels[b][done + i] = r[b];
      }
      std::copy(r + f.labelBytes, r + rec, images + (done + i) * kCIFARImageBytes);
    }
    done += k;
  }
}

/// Reads the batch files `paths` (each checked before anything is allocated) into one
/// dataset; `labels[b]` receives label byte b.
inline void readCIFARFiles(const std::vector<std::string>& paths, const CIFARFormat& f, const char* op,
                           ByteTensor& images, std::vector<LongTensor>& labels) {
  std::vector<index_t> counts;
  index_t total = 0;
  for (const auto& p : paths) {
    InputFile in(p, op);
    counts.push_back(cifarRecords(in, f));
    total += counts.back();
  }
  images.resize(total, 3, 32, 32);
  labels.clear();
  for (int b = 0; b < f.labelBytes; ++b) labels.emplace_back(total);  // distinct storages
  index_t at = 0;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    InputFile in(paths[i], op);
    if (cifarRecords(in, f) != counts[i])
      fail<IOError>(in.where(), "changed size while being read");
    std::int64_t* dst[2] = {labels[0].data() + at, f.labelBytes > 1 ? labels[1].data() + at : nullptr};
    readCIFARRecords(in, f, counts[i], images.data() + at * kCIFARImageBytes, dst);
    at += counts[i];
  }
}

/// The class names listed one per line in `path` (blank lines ignored), when the file
/// exists; IOError when it lists other than `expected` names.
inline std::optional<std::vector<std::string>> readClassNames(const std::filesystem::path& path, std::size_t expected,
                                                              const char* op) {
  if (!isFile(path)) return std::nullopt;
  InputFile in(path.string(), op);
  if (in.fileSize() > 65536)
    fail<IOError>(in.where(), "is ", in.fileSize(), " bytes: too large for a list of ", expected, " class names");
  std::vector<std::string> names;
  std::string line;
  for (int c; (c = in.get()) != -1;) {
    if (c == '\n') {
      names.push_back(line);
      line.clear();
    } else {
      line += char(c);
    }
  }
  names.push_back(line);
  std::vector<std::string> kept;
  for (auto& n : names) {
    while (!n.empty() && (n.back() == '\r' || n.back() == ' ' || n.back() == '\t')) n.pop_back();
    if (!n.empty()) kept.push_back(n);
  }
  if (kept.size() != expected)
    fail<IOError>(in.where(), "lists ", kept.size(), " class names, expected ", expected);
  return kept;
}

/// `dir/sub` when that folder exists, else `dir`.
inline std::filesystem::path datasetFolder(const std::string& dir, const char* sub) {
  const auto nested = std::filesystem::path(dir) / sub;
  return isDir(nested) ? nested : std::filesystem::path(dir);
}

inline std::string requireFile(const std::filesystem::path& p, const char* op) {
  if (!isFile(p)) fail<IOError>(op, ": ", p.string(), ": missing (no such file)");
  return p.string();
}

}  // namespace detail

inline LabeledImages readCIFAR10Batch(const std::string& path) {
  LabeledImages d;
  std::vector<LongTensor> labels;
  detail::readCIFARFiles({path}, detail::kCIFAR10, "readCIFAR10Batch", d.images, labels);
  d.labels = labels[0];
  d.classes = cifar10Classes();
  return d;
}

inline CIFAR100 readCIFAR100Batch(const std::string& path) {
  CIFAR100 d;
  std::vector<LongTensor> labels;
  detail::readCIFARFiles({path}, detail::kCIFAR100, "readCIFAR100Batch", d.images, labels);
  d.coarseLabels = labels[0];
  d.labels = labels[1];
  return d;
}

inline LabeledImages loadCIFAR10(const std::string& dir, Split split) {
  const char* op = "loadCIFAR10";
  const auto folder = detail::datasetFolder(dir, "cifar-10-batches-bin");
  std::vector<std::string> paths;
  if (split == Split::Train)
    for (int i = 1; i <= 5; ++i) paths.push_back(detail::requireFile(folder / ("data_batch_" + std::to_string(i) + ".bin"), op));
  else
    paths.push_back(detail::requireFile(folder / "test_batch.bin", op));
  LabeledImages d;
  std::vector<LongTensor> labels;
  detail::readCIFARFiles(paths, detail::kCIFAR10, op, d.images, labels);
  d.labels = labels[0];
  d.classes = detail::readClassNames(folder / "batches.meta.txt", 10, op).value_or(cifar10Classes());
  return d;
}

inline CIFAR100 loadCIFAR100(const std::string& dir, Split split) {
  const char* op = "loadCIFAR100";
  const auto folder = detail::datasetFolder(dir, "cifar-100-binary");
  const std::string path = detail::requireFile(folder / (split == Split::Train ? "train.bin" : "test.bin"), op);
  CIFAR100 d;
  std::vector<LongTensor> labels;
  detail::readCIFARFiles({path}, detail::kCIFAR100, op, d.images, labels);
  d.coarseLabels = labels[0];
  d.labels = labels[1];
  d.classes = detail::readClassNames(folder / "fine_label_names.txt", 100, op).value_or(std::vector<std::string>{});
  d.coarseClasses = detail::readClassNames(folder / "coarse_label_names.txt", 20, op).value_or(std::vector<std::string>{});
  return d;
}

inline std::optional<std::string> findCIFAR10() {
  return detail::findDataDir("cifar-10-batches-bin", [](const std::string& d) {
    for (const char* f : {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                          "data_batch_5.bin", "test_batch.bin"})
      if (!detail::isFile(std::filesystem::path(d) / f)) return false;
    return true;
  });
}

inline std::optional<std::string> findCIFAR100() {
  return detail::findDataDir("cifar-100-binary", [](const std::string& d) {
    return detail::isFile(std::filesystem::path(d) / "train.bin") && detail::isFile(std::filesystem::path(d) / "test.bin");
  });
}

}  // namespace t7::data
