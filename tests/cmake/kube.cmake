# Kubernetes YAML (lib/kube): the parser's refusals and the model on their
# own (tests/kube), and kube play/down, generate kube and .kube Quadlet units
# through the real CLI with runc on the bridge network (tests/cli/test_kube.sh,
# compared with podman 4.3 where it is installed).
ck_unit_test(kube_parse ${CMAKE_CURRENT_SOURCE_DIR}/kube/test_parse.c)
add_test(NAME cli_kube_runc COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_kube.sh)
set_tests_properties(cli_kube_runc PROPERTIES LABELS "containers;pods;network;kube" TIMEOUT 900
  SKIP_RETURN_CODE 77 ENVIRONMENT
  "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_RUNTIME=runc;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")
# kube play pulling from a real docker-registry on 127.0.0.1 (tests/cli/test_kube_pull.sh).
add_test(NAME cli_kube_pull COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_kube_pull.sh)
set_tests_properties(cli_kube_pull PROPERTIES LABELS "containers;pods;registry;kube" TIMEOUT 300
  SKIP_RETURN_CODE 77 ENVIRONMENT
  "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_RUNTIME=runc;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp")
