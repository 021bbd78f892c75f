# Rootless networking and pods through the real CLI as CK_TEST_ROOTLESS_USER:
# slirp4netns, ports published to 127.0.0.1, members in the infra's user
# namespace, exact teardown, the /dev/net/tun error.  One ctest per test and
# runtime; skipped (exit 77) unless run as root with that user set.  They
# share one lock: one of them turns /dev/net/tun's permission off for a while.
set(ck_rlnet_script ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_rootless_net.sh)
file(STRINGS ${ck_rlnet_script} ck_rlnet_tests REGEX "^rootless_net_[a-z0-9_]+\\(\\)")
foreach(ck_rlnet_rt runc crun)
  foreach(ck_rlnet_test ${ck_rlnet_tests})
    string(REGEX REPLACE "\\(\\).*" "" ck_rlnet_test "${ck_rlnet_test}")
    add_test(NAME ${ck_rlnet_test}_${ck_rlnet_rt} COMMAND bash ${ck_rlnet_script} ${ck_rlnet_test})
    set_tests_properties(${ck_rlnet_test}_${ck_rlnet_rt} PROPERTIES LABELS "containers;network;rootless"
      TIMEOUT 300 SKIP_RETURN_CODE 77 RESOURCE_LOCK "ck_dev_net_tun;ck_hybrid_cgroups_shared"
      ENVIRONMENT "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_RUNTIME=${ck_rlnet_rt};CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")
  endforeach()
endforeach()
