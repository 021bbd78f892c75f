# The ck CLI, as a user drives it.
foreach(t volume system check)
  add_test(NAME cli_${t} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_${t}.sh)
  set_tests_properties(cli_${t} PROPERTIES ENVIRONMENT
    "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp")
endforeach()
# Messages for bad input (they need the busybox image, not a runtime).
add_test(NAME cli_messages COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_messages.sh)
set_tests_properties(cli_messages PROPERTIES ENVIRONMENT
  "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")
