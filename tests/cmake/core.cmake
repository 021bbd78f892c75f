# The core module: the on-first-use loader of libarchive, libcurl and
# libcrypto, as a unit (errors, the crypto table) and through the shared
# library (nothing is mapped before it is needed).
ck_unit_test(core_dynlib core/test_dynlib.c)
ck_integration_test(core_lazy_libs core/test_lazy_libs.c)
ck_unit_test(core_events core/test_events.c)
ck_integration_test(core_context_options core/test_context_options.c)
ck_unit_test(core_error core/test_error.c)
ck_unit_test(core_filter core/test_filter.c)

# Unit tests of core's string map, lock files (real processes contending,
# a holder killed with SIGKILL), containerkit.conf parsing and the JSON
# helpers, and the path and versioned-struct helpers (test_fs.c): one ctest
# per CK_TEST function, named after it.
foreach(ck_core_area strmap lock config json fs)
  set(ck_core_exe core_${ck_core_area})
  set(ck_core_src ${CMAKE_CURRENT_SOURCE_DIR}/core/test_${ck_core_area}.c)
  add_executable(${ck_core_exe} ${ck_core_src})
  target_link_libraries(${ck_core_exe} PRIVATE containerkit_testing ck_harness)
  file(STRINGS ${ck_core_src} ck_core_lines REGEX "CK_TEST\\([a-z0-9_]+\\)")
  string(REGEX MATCHALL "CK_TEST\\([a-z0-9_]+\\)" ck_core_calls "${ck_core_lines}")
  foreach(ck_core_call ${ck_core_calls})
    string(REGEX REPLACE "CK_TEST\\(([a-z0-9_]+)\\)" "\\1" ck_core_test "${ck_core_call}")
    add_test(NAME ${ck_core_test} COMMAND ${ck_core_exe} ${ck_core_test})
    set_tests_properties(${ck_core_test} PROPERTIES ENVIRONMENT "CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp")
  endforeach()
endforeach()
