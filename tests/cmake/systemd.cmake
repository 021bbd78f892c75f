# Systemd units (lib/systemd): the public API on the busybox test image
# (tests/systemd), and the CLI's units verified by systemd-analyze and run
# command by command as systemd would run them (tests/cli/test_systemd.sh).
set(ck_sd_dir ${CMAKE_CURRENT_SOURCE_DIR}/systemd)
add_executable(systemd_api ${ck_sd_dir}/test_systemd.c ${CMAKE_CURRENT_SOURCE_DIR}/container/ctr_common.c)
target_link_libraries(systemd_api PRIVATE containerkit ck_harness)
target_compile_definitions(systemd_api PRIVATE CK_TEST_RUNTIME="runc"
  CK_MKIMAGE="${CMAKE_SOURCE_DIR}/tests/fixtures/mkimage.py")
add_dependencies(systemd_api ck-monitor)
file(STRINGS ${ck_sd_dir}/test_systemd.c lines REGEX "CK_TEST\\([a-z0-9_]+\\)")
string(REGEX MATCHALL "CK_TEST\\([a-z0-9_]+\\)" calls "${lines}")
foreach(call ${calls})
  string(REGEX REPLACE "CK_TEST\\(([a-z0-9_]+)\\)" "\\1" t "${call}")
  add_test(NAME ${t} COMMAND systemd_api ${t})
  set_tests_properties(${t} PROPERTIES ENVIRONMENT "CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp"
    LABELS "systemd" TIMEOUT 300 SKIP_RETURN_CODE 77)
endforeach()

add_test(NAME cli_systemd_runc COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_systemd.sh)
set_tests_properties(cli_systemd_runc PROPERTIES LABELS "containers;pods;systemd" TIMEOUT 900
  SKIP_RETURN_CODE 77 ENVIRONMENT
  "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_RUNTIME=runc;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures;CK_EXAMPLES=${CMAKE_BINARY_DIR}/examples/systemd")

# The units started by a real systemd, PID 1 of a ck container.
add_test(NAME cli_systemd_pid1_runc COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_systemd_pid1.sh)
# RUN_SERIAL: systemd there sees the host's cgroup hierarchy; no other test
# runs a container meanwhile, should it ever touch it (the test checks it
# did not).
set_tests_properties(cli_systemd_pid1_runc PROPERTIES LABELS "containers;pods;systemd" TIMEOUT 600 RUN_SERIAL TRUE
  SKIP_RETURN_CODE 77 ENVIRONMENT
  "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")
