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

# More cases under the same real systemd, each its own ctest entry (one boot
# each, RUN_SERIAL for the same reason): auto-update restarting a --new unit
# with a rollback, and Notify=healthy from a Quadlet file.
foreach(t autoupdate_restarts_the_unit_and_rolls_back_a_bad_image quadlet_notify_healthy_is_active_only_when_healthy)
  add_test(NAME cli_systemd_pid1_${t} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_systemd_pid1.sh test_${t})
  set_tests_properties(cli_systemd_pid1_${t} PROPERTIES LABELS "containers;systemd" TIMEOUT 300 RUN_SERIAL TRUE
    SKIP_RETURN_CODE 77 ENVIRONMENT
    "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")
endforeach()

# The tutorial's pod as units under the same systemd: its images come from
# the tutorial's cache (tests/cmake/tutorial.cmake builds them first).
if(DEFINED CK_TUTORIAL_CACHE)
  set(ck_sd_tutorial_cache ${CK_TUTORIAL_CACHE})
else()
  set(ck_sd_tutorial_cache ${CMAKE_BINARY_DIR}/tutorial-images)
endif()
add_test(NAME cli_systemd_pid1_tutorial_pod_units COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_systemd_pid1.sh
  test_tutorial_pod_units_start_stop_restart_and_keep_the_data)
set_tests_properties(cli_systemd_pid1_tutorial_pod_units PROPERTIES LABELS "containers;pods;systemd;tutorial"
  TIMEOUT 600 RUN_SERIAL TRUE SKIP_RETURN_CODE 77 FIXTURES_REQUIRED tutorial_images ENVIRONMENT
  "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures;CK_TUTORIAL_CACHE=${ck_sd_tutorial_cache}")
