# The image content store, layer unpacking and root filesystems.  Unit tests
# (they drive the internal blob, layer and record APIs); each behaviour is its
# own ctest, named after its function in the source (CK_TEST(name)).
foreach(ck_is_area store layer rootfs)
  set(ck_is_exe images_${ck_is_area})
  set(ck_is_dir layer)
  if(ck_is_area STREQUAL "rootfs")
    set(ck_is_dir rootfs)
  endif()
  set(ck_is_src ${CMAKE_CURRENT_SOURCE_DIR}/${ck_is_dir}/test_${ck_is_area}.c)
  add_executable(${ck_is_exe} ${ck_is_src} layer/test_layer_util.c)
  target_link_libraries(${ck_is_exe} PRIVATE containerkit_testing ck_harness)
  file(STRINGS ${ck_is_src} ck_is_lines REGEX "CK_TEST\\([a-z0-9_]+\\)")
  string(REGEX MATCHALL "CK_TEST\\([a-z0-9_]+\\)" ck_is_calls "${ck_is_lines}")
  foreach(ck_is_call ${ck_is_calls})
    string(REGEX REPLACE "CK_TEST\\(([a-z0-9_]+)\\)" "\\1" ck_is_test "${ck_is_call}")
    add_test(NAME ${ck_is_test} COMMAND ${ck_is_exe} ${ck_is_test})
    set_tests_properties(${ck_is_test} PROPERTIES
      ENVIRONMENT "CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp"
      LABELS "images" TIMEOUT 300)
  endforeach()
endforeach()

# A rootless store shifts owners into the user's subordinate ids: the CLI as
# CK_TEST_ROOTLESS_USER, owners checked from root (skipped, exit 77, unless
# that user is set and the tests run as root).  One ctest per function.
set(ck_shift_script ${CMAKE_CURRENT_SOURCE_DIR}/layer/test_shift.sh)
file(STRINGS ${ck_shift_script} ck_shift_tests REGEX "^layer_shift_[a-z0-9_]+\\(\\)")
foreach(ck_shift_test ${ck_shift_tests})
  string(REGEX REPLACE "\\(\\).*" "" ck_shift_test "${ck_shift_test}")
  add_test(NAME ${ck_shift_test} COMMAND bash ${ck_shift_script} ${ck_shift_test})
  set_tests_properties(${ck_shift_test} PROPERTIES LABELS "images" TIMEOUT 600 SKIP_RETURN_CODE 77
    RESOURCE_LOCK ck_hybrid_cgroups_shared
    ENVIRONMENT "CK_BIN=$<TARGET_FILE:ck>;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")
endforeach()
