# vcpkg port of t7, a header-only C++20 library.
#
# Sources come from one of:
#  * a local checkout (development, overlay use):
#      VCPKG_KEEP_ENV_VARS=T7_SOURCE_DIR T7_SOURCE_DIR=/path/to/t7 \
#        vcpkg install t7 --overlay-ports=/path/to/t7/packaging/vcpkg/ports
#  * the release tarball on GitHub (registry use). RELEASE: fill in REPO, check REF,
#    and replace SHA512 0 by the archive's hash (vcpkg prints the right one on a
#    mismatch, or: vcpkg hash <archive>).

set(VCPKG_BUILD_TYPE release) # header-only: one configuration is enough

if(DEFINED ENV{T7_SOURCE_DIR})
    file(TO_CMAKE_PATH "$ENV{T7_SOURCE_DIR}" SOURCE_PATH)
    if(NOT EXISTS "${SOURCE_PATH}/include/t7/t7.hpp")
        message(FATAL_ERROR "T7_SOURCE_DIR=${SOURCE_PATH} is not a t7 source tree")
    endif()
else()
    vcpkg_from_github(
        OUT_SOURCE_PATH SOURCE_PATH
        REPO t7-developers/t7 # RELEASE: the project's GitHub owner/name
        REF "v${VERSION}"
        SHA512 0 # RELEASE: the SHA512 of the v${VERSION} archive
        HEAD_REF main
    )
endif()

vcpkg_check_features(OUT_FEATURE_OPTIONS FEATURE_OPTIONS
    FEATURES
        openmp T7_USE_OPENMP
)

vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        -DT7_BUILD_TESTS=OFF
        -DT7_BUILD_EXAMPLES=OFF
        -DT7_BUILD_BENCH=OFF
        -DT7_INSTALL=ON
        # BLAS through Eigen: reproducible, whatever the build machine has installed
        # (OpenBLAS as a vcpkg feature is future work; see docs/packaging.md).
        -DT7_BLAS=EIGEN
        ${FEATURE_OPTIONS}
)

vcpkg_cmake_install()

# t7 installs its CMake package to share/cmake/t7; vcpkg wants it in share/t7.
vcpkg_cmake_config_fixup(CONFIG_PATH share/cmake/t7)
vcpkg_fixup_pkgconfig()

# Nothing is built: no debug tree, no lib/. The license goes to share/t7/copyright.
file(REMOVE_RECURSE
    "${CURRENT_PACKAGES_DIR}/debug"
    "${CURRENT_PACKAGES_DIR}/lib"
    "${CURRENT_PACKAGES_DIR}/share/doc"
)

file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
