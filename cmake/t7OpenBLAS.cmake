# Finds OpenBLAS's CBLAS for t7's BLAS back-end (T7_BLAS = AUTO or OPENBLAS) and defines the
# imported target t7::openblas (library + include directory). Used by the top-level
# CMakeLists.txt and by the installed t7Config.cmake, so consumers get the same library.
#
# Debian installs each OpenBLAS build in its own directory (openblas-openmp, -pthread,
# -serial) and points the generic names (libopenblas.so.0, libblas.so.3, cblas.h) at one of
# them with update-alternatives, pthread first when both are installed. t7 links a build
# explicitly, the OpenMP one first: it runs on the same libgomp pool as t7's loops instead
# of starting a pthread pool that competes with it. The library's directory is also added to
# the run path, so that the loader finds that build rather than the alternatives' choice.
#
# In:  T7_OPENBLAS_LIBRARY, T7_OPENBLAS_INCLUDE_DIR (cache; set them to pick a build by hand)
# Out: T7_OPENBLAS_FOUND, target t7::openblas

if(TARGET t7::openblas)
  set(T7_OPENBLAS_FOUND TRUE)
  return()
endif()

set(_t7_ob_libdirs "")
set(_t7_ob_incdirs "")
foreach(_t7_ob_build openblas-openmp openblas-pthread openblas-serial)
  foreach(_t7_ob_prefix /usr ${CMAKE_PREFIX_PATH})
    list(APPEND _t7_ob_libdirs "${_t7_ob_prefix}/lib/${CMAKE_LIBRARY_ARCHITECTURE}/${_t7_ob_build}")
    list(APPEND _t7_ob_incdirs "${_t7_ob_prefix}/include/${CMAKE_LIBRARY_ARCHITECTURE}/${_t7_ob_build}")
  endforeach()
endforeach()

# Debian's per-build directories first, in order of preference, then the usual places
# (Fedora's OpenMP build is libopenblaso; Homebrew and conda install plain libopenblas).
find_library(T7_OPENBLAS_LIBRARY NAMES openblas PATHS ${_t7_ob_libdirs} NO_DEFAULT_PATH
             DOC "OpenBLAS library for t7's BLAS back-end")
find_library(T7_OPENBLAS_LIBRARY NAMES openblaso openblas openblasp
             DOC "OpenBLAS library for t7's BLAS back-end")
# The cblas.h of OpenBLAS (it includes openblas_config.h; a netlib cblas.h does not).
get_filename_component(_t7_ob_build_dir "${T7_OPENBLAS_LIBRARY}" DIRECTORY)
get_filename_component(_t7_ob_build_name "${_t7_ob_build_dir}" NAME)
find_path(T7_OPENBLAS_INCLUDE_DIR NAMES openblas_config.h
          PATHS "/usr/include/${CMAKE_LIBRARY_ARCHITECTURE}/${_t7_ob_build_name}" ${_t7_ob_incdirs} NO_DEFAULT_PATH
          DOC "Directory of OpenBLAS's cblas.h and openblas_config.h")
find_path(T7_OPENBLAS_INCLUDE_DIR NAMES openblas_config.h PATH_SUFFIXES openblas
          DOC "Directory of OpenBLAS's cblas.h and openblas_config.h")
mark_as_advanced(T7_OPENBLAS_LIBRARY T7_OPENBLAS_INCLUDE_DIR)

if(T7_OPENBLAS_LIBRARY AND T7_OPENBLAS_INCLUDE_DIR AND EXISTS "${T7_OPENBLAS_INCLUDE_DIR}/cblas.h")
  set(T7_OPENBLAS_FOUND TRUE)
  add_library(t7::openblas UNKNOWN IMPORTED GLOBAL)
  set_target_properties(t7::openblas PROPERTIES
    IMPORTED_LOCATION "${T7_OPENBLAS_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${T7_OPENBLAS_INCLUDE_DIR}")
  get_filename_component(T7_OPENBLAS_LIBRARY_DIR "${T7_OPENBLAS_LIBRARY}" DIRECTORY)
  if(NOT T7_OPENBLAS_LIBRARY_DIR IN_LIST CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES)
    set_property(TARGET t7::openblas PROPERTY INTERFACE_LINK_OPTIONS "LINKER:-rpath,${T7_OPENBLAS_LIBRARY_DIR}")
  endif()
else()
  set(T7_OPENBLAS_FOUND FALSE)
endif()
unset(_t7_ob_libdirs)
unset(_t7_ob_incdirs)
unset(_t7_ob_build)
unset(_t7_ob_prefix)
unset(_t7_ob_build_dir)
unset(_t7_ob_build_name)
