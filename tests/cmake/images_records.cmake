# Image references, manifests and records: unit tests of the internal
# contracts (lib/image/image.h) and the public image API.  Each behaviour is
# its own ctest, named after its function in the source (CK_TEST(name)).
foreach(ck_ir_area ref manifest records records_import)
  set(ck_ir_exe images_${ck_ir_area})
  set(ck_ir_src ${CMAKE_CURRENT_SOURCE_DIR}/image/test_${ck_ir_area}.c)
  add_executable(${ck_ir_exe} ${ck_ir_src} image/test_records_util.c layer/test_layer_util.c)
  target_link_libraries(${ck_ir_exe} PRIVATE containerkit_testing ck_harness)
  file(STRINGS ${ck_ir_src} ck_ir_lines REGEX "CK_TEST\\([a-z0-9_]+\\)")
  string(REGEX MATCHALL "CK_TEST\\([a-z0-9_]+\\)" ck_ir_calls "${ck_ir_lines}")
  foreach(ck_ir_call ${ck_ir_calls})
    string(REGEX REPLACE "CK_TEST\\(([a-z0-9_]+)\\)" "\\1" ck_ir_test "${ck_ir_call}")
    add_test(NAME ${ck_ir_test} COMMAND ${ck_ir_exe} ${ck_ir_test})
    set_tests_properties(${ck_ir_test} PROPERTIES
      ENVIRONMENT "CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp"
      LABELS "images" TIMEOUT 300)
  endforeach()
endforeach()

# The ck image commands, through the real CLI.
add_test(NAME cli_image COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_image.sh)
set_tests_properties(cli_image PROPERTIES LABELS "images" TIMEOUT 600 ENVIRONMENT
  "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")
