# Kubernetes YAML (lib/kube): the parser's refusals and the model on their
# own (tests/kube), and kube play/down, generate kube and .kube Quadlet units
# through the real CLI with runc on the bridge network (tests/cli/test_kube.sh,
# compared with podman 4.3 where it is installed).
ck_unit_test(kube_parse ${CMAKE_CURRENT_SOURCE_DIR}/kube/test_parse.c)
# One ctest per case, so that the slow ones (each waits on real pods
# starting and stopping) run beside the rest of the suite.
foreach(ck_kube_case play_serves_the_page_and_down_leaves_nothing play_from_stdin_without_start
        bad_input_is_refused_and_leaves_nothing generate_plays_back_to_the_same_pod play_matches_podman
        quadlet_unit_plays_and_downs)
  add_test(NAME cli_kube_${ck_kube_case}_runc COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_kube.sh kube_${ck_kube_case})
  set_tests_properties(cli_kube_${ck_kube_case}_runc PROPERTIES LABELS "containers;pods;network;kube" TIMEOUT 600
    SKIP_RETURN_CODE 77 ENVIRONMENT
    "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_RUNTIME=runc;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")
endforeach()
# kube play pulling from a real docker-registry on 127.0.0.1 (tests/cli/test_kube_pull.sh).
add_test(NAME cli_kube_pull COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_kube_pull.sh)
set_tests_properties(cli_kube_pull PROPERTIES LABELS "containers;pods;registry;kube" TIMEOUT 300
  SKIP_RETURN_CODE 77 ENVIRONMENT
  "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_RUNTIME=runc;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp")
