# The README's embedding example, run against a real runtime (root only).
add_test(NAME example_hello_runs_a_container COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/examples/test_hello.sh)
set_tests_properties(example_hello_runs_a_container PROPERTIES LABELS "containers" TIMEOUT 300
  SKIP_RETURN_CODE 77 ENVIRONMENT
  "CK_HELLO=$<TARGET_FILE:hello>;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")
