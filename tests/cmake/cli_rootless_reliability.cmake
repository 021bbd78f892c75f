# Rootless pods under stress (tests/cli/test_rootless_reliability.sh) as
# CK_TEST_ROOTLESS_USER: a stray slirp4netns found and killed by the check,
# 16 pods side by side, ck SIGKILLed in pod create/start/rm.  runc only;
# skipped (exit 77) unless root with that user set.  The lock keeps them
# apart from the test that turns /dev/net/tun's permission off.
foreach(t stray_slirp4netns_found_and_killed_by_check parallel_pods_publish_fetch_and_leave_nothing
          kill_during_pod_commands_leaves_nothing)
  string(REGEX REPLACE "_.*" "" short ${t})
  add_test(NAME rootless_rel_${short}_runc COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_rootless_reliability.sh
           rootless_rel_${t})
  set_tests_properties(rootless_rel_${short}_runc PROPERTIES LABELS "containers;pods;network;rootless" TIMEOUT 300
    SKIP_RETURN_CODE 77 RESOURCE_LOCK "ck_dev_net_tun;ck_hybrid_cgroups_shared"
    ENVIRONMENT "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_RUNTIME=runc;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")
endforeach()
