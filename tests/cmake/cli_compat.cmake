# podman compatibility of the ck CLI: every flag of `podman COMMAND --help`
# (4.3) accepted or refused with a reason (the refused ones listed in
# cli/refused_flags.txt), and the behaviour of pause, the exit codes and
# the messages, compared with podman where it can run in a scratch root.
add_test(NAME cli_podman_flags COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/cli/podman_flags.py
  $<TARGET_FILE:ck> check ${CMAKE_CURRENT_SOURCE_DIR}/cli/refused_flags.txt)
set_tests_properties(cli_podman_flags PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600
  ENVIRONMENT "CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp")

add_test(NAME cli_compat COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_compat.sh)
set_tests_properties(cli_compat PROPERTIES LABELS "containers" SKIP_RETURN_CODE 77 TIMEOUT 600
  ENVIRONMENT "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")

add_test(NAME cli_compat_ctr COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_compat_ctr.sh)
set_tests_properties(cli_compat_ctr PROPERTIES LABELS "containers" SKIP_RETURN_CODE 77 TIMEOUT 600
  ENVIRONMENT "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")

add_test(NAME cli_compat_img COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_compat_img.sh)
set_tests_properties(cli_compat_img PROPERTIES LABELS "containers" SKIP_RETURN_CODE 77 TIMEOUT 600
  ENVIRONMENT "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")
