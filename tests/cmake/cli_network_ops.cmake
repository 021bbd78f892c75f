# Network operations through the real CLI (tests/cli/test_network_ops.sh):
# reload, --add-host/--dns, bridges and subnets across stores.  One ctest
# per test function; root, netavark, iptables, catatonit and curl, else
# skipped (exit 77).
set(ck_netops_script ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_network_ops.sh)
file(STRINGS ${ck_netops_script} ck_netops_tests REGEX "^network_[a-z0-9_]+\\(\\)")
foreach(ck_netops_test ${ck_netops_tests})
  string(REGEX REPLACE "\\(\\).*" "" ck_netops_test "${ck_netops_test}")
  add_test(NAME cli_${ck_netops_test} COMMAND bash ${ck_netops_script} ${ck_netops_test})
  set_tests_properties(cli_${ck_netops_test} PROPERTIES LABELS "containers;network" TIMEOUT 300
    SKIP_RETURN_CODE 77 ENVIRONMENT
    "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_RUNTIME=runc;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")
endforeach()
