# Auto-update: the spec made back from a container's record and the API's
# refusals (a unit test on the busybox test image; no container runs).  The
# updates themselves, against a real registry and real containers, are
# tests/registry/test_autoupdate.sh (registry_autoupdate).
add_executable(autoupdate_respec ${CMAKE_CURRENT_SOURCE_DIR}/autoupdate/test_respec.c
  ${CMAKE_CURRENT_SOURCE_DIR}/container/ctr_common.c)
target_link_libraries(autoupdate_respec PRIVATE containerkit_testing ck_harness)
target_include_directories(autoupdate_respec PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_compile_definitions(autoupdate_respec PRIVATE CK_TEST_RUNTIME="runc"
  CK_MKIMAGE="${CMAKE_SOURCE_DIR}/tests/fixtures/mkimage.py")
add_dependencies(autoupdate_respec ck-monitor)
foreach(t respec_gives_back_what_the_caller_gave respec_default_hostname_is_not_carried_over
          api_refuses_bad_input)
  add_test(NAME autoupdate_${t} COMMAND autoupdate_respec ${t})
  set_tests_properties(autoupdate_${t} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120
    ENVIRONMENT "CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp")
endforeach()

# An in-place update SIGKILLed at its steps: `system check` reports what it
# left aside, --repair and the next update put it right (local policy, runc).
add_test(NAME autoupdate_crash_runc COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_autoupdate_crash.sh)
set_tests_properties(autoupdate_crash_runc PROPERTIES LABELS "containers" TIMEOUT 300 SKIP_RETURN_CODE 77
  ENVIRONMENT "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_RUNTIME=runc;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")
