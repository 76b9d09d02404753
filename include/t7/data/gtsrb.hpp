#pragma once
/// \file gtsrb.hpp
/// The German Traffic Sign Recognition Benchmark (the dataset of the GTSRB tutorial):
/// `loadGTSRB`, `readGTSRBCSV`, `findGTSRB`.
///
/// The official layout, as extracted from GTSRB_Final_Training_Images.zip,
/// GTSRB_Final_Test_Images.zip and GTSRB_Final_Test_GT.zip:
/// ```
/// GTSRB/Final_Training/Images/00000/GT-00000.csv, 00000_00000.ppm, ...   (43 class folders)
/// GTSRB/Final_Test/Images/GT-final_test.csv, 00000.ppm, ...
/// ```
/// Each CSV starts with `Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId` and has
/// one line per image; the ROI is the sign's box inside a border of about 10%, its corners
/// included (X2, Y2 are the last column and row of the sign).

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "t7/core/error.hpp"
#include "t7/data/dataset.hpp"
#include "t7/data/image_folder.hpp"
#include "t7/data/netpbm.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::data {

/// Number of GTSRB classes (ClassId 0..42).
inline constexpr int kGTSRBClasses = 43;

/// One line of a GTSRB CSV file.
struct GTSRBEntry {
  std::string filename;          ///< a plain file name in the CSV's folder
  index_t width = 0, height = 0;  ///< image size in pixels
  index_t x1 = 0, y1 = 0, x2 = 0, y2 = 0;  ///< the sign's box, corners included
  std::int64_t classId = -1;     ///< 0..42, or -1 when the CSV has no ClassId column
};

/// Reads and checks a GTSRB CSV (`GT-000NN.csv`, `GT-final_test.csv`, or the unlabelled
/// `GT-final_test.test.csv`). Throws IOError naming the file, the line and its byte offset for:
/// a missing file, a header other than `Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2`
/// with or without `;ClassId`, a line with another number of fields, a file name that is
/// empty or not a plain name (a path), a field that is not a decimal number, a zero size, a
/// ROI not inside the image (0 <= X1 <= X2 < Width, 0 <= Y1 <= Y2 < Height), a ClassId outside
/// 0..42, or a file over 64 MiB. Blank lines, '\r' line ends and a UTF-8 BOM are accepted.
std::vector<GTSRBEntry> readGTSRBCSV(const std::string& path);

/// Options of loadGTSRB.
struct GTSRBOptions {
  index_t size = 32;           ///< output images are size x size (the tutorial uses 48)
  bool crop = true;            ///< crop each image to its ROI before resizing
  std::string testCSV = {};    ///< labels of the test split; empty: Final_Test/Images/GT-final_test.csv, then <root>/GT-final_test.csv
  PNMReadOptions limits = {};  ///< per-image pixel limit
};

/// Loads a split of GTSRB from `root` (the `GTSRB` folder, or the folder holding it):
/// images ByteTensor [N x 3 x size x size] (0..255, each cropped to its ROI and resized by
/// bilinear interpolation), labels LongTensor [N] (ClassId, 0-based; the tutorial's Lua code
/// added 1), classes the 43 folder names "00000".."00042".
/// Split::Train reads every class folder `Final_Training/Images/000NN` (sorted) through its
/// `GT-000NN.csv`; Split::Test reads `Final_Test/Images` through the labelled test CSV.
/// Throws IOError naming the file for: a missing folder, CSV or image, a CSV error (see
/// readGTSRBCSV), a class folder whose name is not 00000..00042, a ClassId that differs from
/// its folder's, a test CSV without ClassId, an image whose size differs from its CSV line,
/// or any readPNM error. ValueError when size < 1.
LabeledImages loadGTSRB(const std::string& root, Split split, const GTSRBOptions& opts = {});

/// `$T7_DATA_DIR/GTSRB`, then `/usr/share/datasets/GTSRB`, when it holds
/// `Final_Training/Images`; else nothing.
std::optional<std::string> findGTSRB();

// =====================================================================================
// Definitions
// =====================================================================================

namespace detail {

/// Parses the non-negative decimal `s` (1..9 digits) or returns -1.
inline index_t parseCount(const std::string& s) {
  if (s.empty() || s.size() > 9) return -1;
  index_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

inline std::vector<std::string> splitFields(const std::string& line) {
  std::vector<std::string> f(1);
  for (char c : line) {
    if (c == ';') f.emplace_back();
    else f.back() += c;
  }
  return f;
}

}  // namespace detail

inline std::vector<GTSRBEntry> readGTSRBCSV(const std::string& path) {
  detail::InputFile in(path, "readGTSRBCSV");
  constexpr index_t kMaxBytes = index_t(64) << 20;
  if (in.fileSize() > kMaxBytes)
    detail::fail<IOError>(in.where(), "is ", in.fileSize(), " bytes, more than the 64 MiB a GTSRB CSV can take");
  std::string text(static_cast<std::size_t>(in.fileSize()), '\0');
  text.resize(in.read(text.data(), text.size()));
  std::size_t pos = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // UTF-8 BOM
  static const char* kNames[] = {"Filename", "Width", "Height", "Roi.X1", "Roi.Y1", "Roi.X2", "Roi.Y2", "ClassId"};
  std::vector<GTSRBEntry> out;
  std::size_t fields = 0;  // from the header: 7 or 8
  for (int lineNo = 1; pos < text.size() || lineNo == 1; ++lineNo) {
    const std::size_t start = pos, nl = text.find('\n', pos);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto failLine = [&](const auto&... what) {
      detail::fail<IOError>(in.where(), "line ", lineNo, " (byte ", start, "): ", what...);
    };
    if (lineNo == 1) {
      const std::string full = "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId";
      if (line == full) fields = 8;
      else if (line == full.substr(0, full.size() - 8)) fields = 7;
      else failLine("bad header \"", line.substr(0, 100), "\": expected \"", full, "\" (ClassId optional)");
      continue;
    }
    if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank
    const std::vector<std::string> f = detail::splitFields(line);
    if (f.size() != fields)
      failLine("expected ", fields, " fields separated by ';', found ", f.size(), ": \"", line.substr(0, 100), "\"");
    GTSRBEntry e;
    e.filename = f[0];
    if (e.filename.empty() || e.filename == "." || e.filename == ".." ||
        e.filename.find_first_of(std::string("/\\\0", 3)) != std::string::npos)
      failLine("bad file name \"", e.filename, "\" (a plain name in the CSV's folder is expected)");
    index_t v[7];
    for (std::size_t k = 1; k < fields; ++k) {
      v[k - 1] = detail::parseCount(f[k]);
      if (v[k - 1] < 0) failLine("field ", kNames[k], " \"", f[k].substr(0, 20), "\" is not a decimal number");
    }
    e.width = v[0], e.height = v[1], e.x1 = v[2], e.y1 = v[3], e.x2 = v[4], e.y2 = v[5];
    if (e.width < 1 || e.height < 1) failLine("image size ", e.width, "x", e.height, " (width x height) has no pixel");
    if (!(e.x1 <= e.x2 && e.x2 < e.width && e.y1 <= e.y2 && e.y2 < e.height))
      failLine("ROI (", e.x1, ",", e.y1, ")-(", e.x2, ",", e.y2, ") is not inside the ", e.width, "x", e.height,
               " image (0 <= X1 <= X2 < Width, 0 <= Y1 <= Y2 < Height)");
    if (fields == 8) {
      e.classId = v[6];
      if (e.classId >= kGTSRBClasses) failLine("ClassId ", e.classId, " is not a class 0..", kGTSRBClasses - 1);
    }
    out.push_back(std::move(e));
  }
  return out;
}

namespace detail {

/// Appends the images listed by `csv` (in `folder`) to `d`, from example `at` on.
inline void loadGTSRBImages(const std::string& csvPath, const std::vector<GTSRBEntry>& entries,
                            const std::filesystem::path& folder, const GTSRBOptions& opts, LabeledImages& d, index_t at,
                            ImageScratch& scratch) {
  const char* op = "loadGTSRB";
  const index_t per = 3 * opts.size * opts.size;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const GTSRBEntry& e = entries[i];
    const std::string path = (folder / e.filename).string();
    std::optional<PixelBox> box;
    if (opts.crop) box = PixelBox{e.x1, e.y1, e.x2, e.y2};
    loadImageInto(path, op, opts.limits, 3, opts.size, opts.size, d.images.data() + (at + index_t(i)) * per, scratch,
                  box, [&](const PNMHeader& h) {
                    if (h.width != e.width || h.height != e.height)
                      fail<IOError>(op, ": ", path, ": the image is ", h.width, "x", h.height, " but ", csvPath,
                                    " says ", e.width, "x", e.height, " (width x height)");
                  });
    d.labels.data()[at + index_t(i)] = e.classId;
  }
}

/// `root/GTSRB` when it exists, else `root`.
inline std::filesystem::path gtsrbBase(const std::string& root) {
  const auto nested = std::filesystem::path(root) / "GTSRB";
  return isDir(nested / "Final_Training") || isDir(nested / "Final_Test") ? nested : std::filesystem::path(root);
}

}  // namespace detail

inline LabeledImages loadGTSRB(const std::string& root, Split split, const GTSRBOptions& opts) {
  const char* op = "loadGTSRB";
  if (opts.size < 1) detail::fail<ValueError>(op, ": size ", opts.size, " must be at least 1");
  const auto base = detail::gtsrbBase(root);
  LabeledImages d;
  for (int c = 0; c < kGTSRBClasses; ++c) {
    char name[16];  // "%05d" of an int: at most 11 characters
    std::snprintf(name, sizeof name, "%05d", c);
    d.classes.emplace_back(name);
  }
  detail::ImageScratch scratch;
  if (split == Split::Train) {
    const auto images = base / "Final_Training" / "Images";
    if (!detail::isDir(images))
      detail::fail<IOError>(op, ": ", images.string(), ": missing (no such folder; expected <root>/Final_Training/Images)");
    struct Folder {
      std::filesystem::path dir;
      std::string csv;
      std::vector<GTSRBEntry> entries;
    };
    std::vector<Folder> folders;
    index_t total = 0;
    for (const auto& dir : detail::listSorted(images, true, op)) {
      const std::string name = dir.filename().string();
      const index_t cls = name.size() == 5 ? detail::parseCount(name) : -1;
      if (cls < 0 || cls >= kGTSRBClasses)
        detail::fail<IOError>(op, ": ", dir.string(), ": unexpected folder: class folders are 00000..",
                              d.classes.back());
      const auto csv = dir / ("GT-" + name + ".csv");
      if (!detail::isFile(csv)) detail::fail<IOError>(op, ": ", csv.string(), ": missing (no such file)");
      Folder f{dir, csv.string(), readGTSRBCSV(csv.string())};
      for (std::size_t i = 0; i < f.entries.size(); ++i)
        if (f.entries[i].classId != cls)
          detail::fail<IOError>(op, ": ", f.csv, ": ", f.entries[i].filename, " has ClassId ", f.entries[i].classId,
                                f.entries[i].classId < 0 ? " (no ClassId column)" : "", " but lies in the folder of class ",
                                cls);
      total += index_t(f.entries.size());
      folders.push_back(std::move(f));
    }
    if (folders.empty()) detail::fail<IOError>(op, ": ", images.string(), ": no class folder 000NN");
    d.images.resize(total, 3, opts.size, opts.size);
    d.labels.resize(total);
    index_t at = 0;
    for (const auto& f : folders) {
      detail::loadGTSRBImages(f.csv, f.entries, f.dir, opts, d, at, scratch);
      at += index_t(f.entries.size());
    }
    return d;
  }
  const auto images = base / "Final_Test" / "Images";
  if (!detail::isDir(images))
    detail::fail<IOError>(op, ": ", images.string(), ": missing (no such folder; expected <root>/Final_Test/Images)");
  std::string csv = opts.testCSV;
  if (csv.empty()) {
    for (const auto& p : {images / "GT-final_test.csv", base / "GT-final_test.csv"})
      if (detail::isFile(p)) {
        csv = p.string();
        break;
      }
    if (csv.empty())
      detail::fail<IOError>(op, ": ", (images / "GT-final_test.csv").string(), ": missing (nor in ", base.string(),
                            "): the test labels come in GTSRB_Final_Test_GT.zip (GT-final_test.test.csv has none)");
  }
  const std::vector<GTSRBEntry> entries = readGTSRBCSV(csv);
  if (!entries.empty() && entries.front().classId < 0)
    detail::fail<IOError>(op, ": ", csv, ": has no ClassId column: the test labels come in GTSRB_Final_Test_GT.zip");
  d.images.resize(index_t(entries.size()), 3, opts.size, opts.size);
  d.labels.resize(index_t(entries.size()));
  detail::loadGTSRBImages(csv, entries, images, opts, d, 0, scratch);
  return d;
}

inline std::optional<std::string> findGTSRB() {
  return detail::findDataDir("GTSRB", [](const std::string& d) {
    return detail::isDir(std::filesystem::path(d) / "Final_Training" / "Images");
  });
}

}  // namespace t7::data
