# The ck CLI, as a user drives it.
foreach(t volume system)
  add_test(NAME cli_${t} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_${t}.sh)
  set_tests_properties(cli_${t} PROPERTIES ENVIRONMENT
    "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp")
endforeach()
