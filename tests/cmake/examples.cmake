# The README's embedding example, run against a real runtime (root only).
add_test(NAME example_hello_runs_a_container COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/examples/test_hello.sh)
set_tests_properties(example_hello_runs_a_container PROPERTIES LABELS "containers" TIMEOUT 300
  SKIP_RETURN_CODE 77 ENVIRONMENT
  "CK_HELLO=$<TARGET_FILE:hello>;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")

# examples/typed-reads against ck's output for the same containers (root, runc).
add_test(NAME example_typed_reads_match_the_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/examples/test_typed_reads.sh)
set_tests_properties(example_typed_reads_match_the_cli PROPERTIES LABELS "containers" TIMEOUT 300
  SKIP_RETURN_CODE 77 ENVIRONMENT
  "CK_BIN=$<TARGET_FILE:ck>;CK_TYPED_READS=$<TARGET_FILE:typed-reads>;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")
