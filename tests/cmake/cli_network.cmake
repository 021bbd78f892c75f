# Bridge networks through the real CLI, netavark and runc: ck network, -p
# published to 127.0.0.1, exact teardown, two stores on one bridge.  Needs
# root, netavark, iptables, curl and sqlite3; skipped (exit 77) otherwise.
add_test(NAME cli_network COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_network.sh)
set_tests_properties(cli_network PROPERTIES LABELS "containers;network" TIMEOUT 600
  SKIP_RETURN_CODE 77 ENVIRONMENT
  "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_RUNTIME=runc;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")
