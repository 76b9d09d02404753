"""Conan 2 recipe of t7, a header-only C++20 library.

    conan create . --build=missing -s compiler.cppstd=20    # into the local cache
    conan install --requires=t7/0.1.0 -s compiler.cppstd=20 -g CMakeDeps -g CMakeToolchain

t7 needs C++20: validate() refuses a profile whose compiler.cppstd is older (Conan's
detected profiles default to gnu17 for GCC 12), so pass -s compiler.cppstd=20 (or gnu20).

Consumers then use find_package(t7 CONFIG REQUIRED) + target_link_libraries(app PRIVATE
t7::t7), or pkg-config --cflags t7, as with the CMake install.
"""

import os

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.files import copy
from conan.tools.layout import basic_layout

required_conan_version = ">=2.0"


class T7Conan(ConanFile):
    name = "t7"
    version = "0.1.0"
    description = "Torch7 re-made as a header-only C++20 template library"
    license = "BSD-3-Clause"
    topics = ("torch7", "tensor", "deep-learning", "neural-networks", "header-only")
    package_type = "header-library"
    # Settings are only read by validate() (C++20) and package_info() (OpenMP flags);
    # package_id() clears them: one package serves every configuration.
    settings = "os", "arch", "compiler", "build_type"
    options = {"with_openmp": [True, False]}
    default_options = {"with_openmp": True}
    # The CMake files travel with the sources so that the exported recipe is the whole
    # project; packaging itself only copies the headers and the license.
    exports_sources = "CMakeLists.txt", "include/*", "cmake/*", "LICENSE"
    no_copy_source = True

    def config_options(self):
        # Apple Clang ships no OpenMP runtime.
        if self.settings.get_safe("compiler") == "apple-clang":
            self.options.with_openmp = False

    def layout(self):
        basic_layout(self, src_folder=".")

    def requirements(self):
        # t7's CMake files ask for Eigen >= 3.3 and xsimd 8.x.
        self.requires("eigen/3.4.0")
        self.requires("xsimd/8.1.0")

    def package_id(self):
        self.info.clear()

    def validate(self):
        check_min_cppstd(self, 20)

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        copy(self, "*", os.path.join(self.source_folder, "include"),
             os.path.join(self.package_folder, "include"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "t7")
        self.cpp_info.set_property("cmake_target_name", "t7::t7")
        self.cpp_info.set_property("pkg_config_name", "t7")
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []

        if self.options.with_openmp:
            compiler = str(self.settings.get_safe("compiler", ""))
            if compiler == "msvc":
                self.cpp_info.cxxflags = ["/openmp"]
            elif compiler in ("gcc", "clang"):
                self.cpp_info.cxxflags = ["-fopenmp"]
                self.cpp_info.sharedlinkflags = ["-fopenmp"]
                self.cpp_info.exelinkflags = ["-fopenmp"]
