# The ck container commands through the real CLI, once per OCI runtime.
# They need root; a runtime that is missing or cannot run on this host
# (crun on hybrid cgroups with controllers on cgroup2) is skipped (exit 77).
foreach(rt runc crun)
  add_test(NAME cli_container_${rt} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_container.sh)
  set_tests_properties(cli_container_${rt} PROPERTIES LABELS "containers" TIMEOUT 900
    SKIP_RETURN_CODE 77 ENVIRONMENT
    "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_RUNTIME=${rt};CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")
endforeach()

# Pods through the real CLI (runc: it runs on every host this suite runs on).
add_test(NAME cli_pod_runc COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_pod.sh)
set_tests_properties(cli_pod_runc PROPERTIES LABELS "containers;pods" TIMEOUT 900
  SKIP_RETURN_CODE 77 ENVIRONMENT
  "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_RUNTIME=runc;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")

# Healthchecks through the real CLI (runc).
add_test(NAME cli_health_runc COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_health.sh)
set_tests_properties(cli_health_runc PROPERTIES LABELS "containers" TIMEOUT 600
  SKIP_RETURN_CODE 77 ENVIRONMENT
  "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_RUNTIME=runc;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")
# Pods under stress (tests/cli/test_pod_reliability.sh): 32 pods publishing
# ports at once, and ck SIGKILLed 50 times in each of pod create, start and
# rm.  Two tests, so that ctest -j can run them beside the others.  Root,
# netavark, iptables and curl; skipped (exit 77) otherwise.
foreach(t parallel_pods_publish_fetch_and_leave_nothing kill_during_pod_commands_leaves_nothing)
  string(REGEX REPLACE "_.*" "" short ${t})
  add_test(NAME cli_pod_${short}_runc COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_pod_reliability.sh ${t})
  set_tests_properties(cli_pod_${short}_runc PROPERTIES LABELS "containers;pods;network" TIMEOUT 600
    SKIP_RETURN_CODE 77 ENVIRONMENT
    "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_RUNTIME=runc;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")
endforeach()
