# ABI and packaging checks (tests/abi/, ABI.md): exported symbols against the
# version script, SONAME, headers that compile alone, the abidiff baseline,
# and consumers of an installed tree.
find_package(Python3 3.6 REQUIRED COMPONENTS Interpreter)

set(CK_ABI_DIR ${CMAKE_SOURCE_DIR}/tests/abi)
set(CK_ABI_TMP ${CMAKE_BINARY_DIR}/testtmp/abi)

add_test(NAME abi_exported_symbols_are_prefixed_and_mapped
  COMMAND ${Python3_EXECUTABLE} ${CK_ABI_DIR}/symbols.py exported
          $<TARGET_FILE:containerkit> ${CMAKE_SOURCE_DIR}/lib/containerkit.map)

add_test(NAME abi_map_lists_every_public_declaration
  COMMAND ${Python3_EXECUTABLE} ${CK_ABI_DIR}/symbols.py declared
          ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/lib/containerkit.map)

add_test(NAME abi_soname_is_major_only
  COMMAND ${CK_ABI_DIR}/soname.sh $<TARGET_FILE_DIR:containerkit>
          ${CMAKE_SOURCE_DIR}/include/containerkit/version.h)

add_test(NAME abi_headers_compile_alone_c99
  COMMAND ${CK_ABI_DIR}/headers-compile-alone.sh c ${CMAKE_C_COMPILER}
          ${CMAKE_SOURCE_DIR}/include ${CK_ABI_TMP}/headers-c99)
add_test(NAME abi_headers_compile_alone_cxx
  COMMAND ${CK_ABI_DIR}/headers-compile-alone.sh cxx ${CMAKE_CXX_COMPILER}
          ${CMAKE_SOURCE_DIR}/include ${CK_ABI_TMP}/headers-cxx)

# Skipped (exit 77) in sanitizer builds and builds without DWARF.
add_test(NAME abi_matches_baseline
  COMMAND ${CK_ABI_DIR}/abi-check.sh $<TARGET_FILE:containerkit> ${CMAKE_SOURCE_DIR}
          ${CK_ABI_TMP}/baseline ${Python3_EXECUTABLE} ${CMAKE_C_COMPILER} ${CK_SANITIZE})
set_tests_properties(abi_matches_baseline PROPERTIES SKIP_RETURN_CODE 77)

add_test(NAME install_pkgconfig_and_cmake_consumers_build
  COMMAND ${CK_ABI_DIR}/install-consumers.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR}
          ${CK_ABI_TMP}/install ${CMAKE_COMMAND} ${CMAKE_C_COMPILER} ${CK_SANITIZE})
# Installs write the prefix into one containerkit.pc of the build tree first.
set_tests_properties(install_pkgconfig_and_cmake_consumers_build PROPERTIES TIMEOUT 300
  RESOURCE_LOCK ck_build_install)

set_tests_properties(
  abi_exported_symbols_are_prefixed_and_mapped abi_map_lists_every_public_declaration
  abi_soname_is_major_only abi_headers_compile_alone_c99 abi_headers_compile_alone_cxx
  abi_matches_baseline install_pkgconfig_and_cmake_consumers_build
  PROPERTIES LABELS abi)

# The headers are the manual: every exported function has a comment.
add_test(NAME abi_every_exported_function_is_documented
  COMMAND ${Python3_EXECUTABLE} ${CK_ABI_DIR}/documented.py ${CMAKE_SOURCE_DIR}/include)
set_tests_properties(abi_every_exported_function_is_documented PROPERTIES LABELS "abi")

# The reference pages build from the headers and show the typed reads.
if(CK_DOXYGEN)
  add_test(NAME docs_reference_pages_build
    COMMAND sh -c "'${CMAKE_COMMAND}' --build '${CMAKE_BINARY_DIR}' --target docs && grep -rlq ck_container_stats_read '${CMAKE_BINARY_DIR}/docs/html' && ls '${CMAKE_BINARY_DIR}/docs/man/man3' | grep -q '^container.h.3'")
  set_tests_properties(docs_reference_pages_build PROPERTIES LABELS "abi" RESOURCE_LOCK ck_build_install)
endif()
