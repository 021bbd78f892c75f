# Containers: the public container API driven with real OCI runtimes (crun
# and runc) on the busybox test image.  Tests skip (exit 77) where
# containers cannot run.  Each behaviour is its own ctest, named after its
# function (CK_TEST(name)); lifecycle tests run once per runtime.
set(ck_ctr_dir ${CMAKE_CURRENT_SOURCE_DIR}/container)

function(ck_container_tests exe src runtime suffix)
  add_executable(${exe} ${ck_ctr_dir}/${src} ${ck_ctr_dir}/ctr_common.c)
  target_link_libraries(${exe} PRIVATE containerkit ck_harness)
  target_compile_definitions(${exe} PRIVATE CK_TEST_RUNTIME="${runtime}"
    CK_MKIMAGE="${CMAKE_SOURCE_DIR}/tests/fixtures/mkimage.py")
  add_dependencies(${exe} ck-monitor)
  file(STRINGS ${ck_ctr_dir}/${src} lines REGEX "CK_TEST\\([a-z0-9_]+\\)")
  string(REGEX MATCHALL "CK_TEST\\([a-z0-9_]+\\)" calls "${lines}")
  foreach(call ${calls})
    string(REGEX REPLACE "CK_TEST\\(([a-z0-9_]+)\\)" "\\1" t "${call}")
    add_test(NAME ${t}${suffix} COMMAND ${exe} ${t})
    set_tests_properties(${t}${suffix} PROPERTIES
      ENVIRONMENT "CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp"
      LABELS "containers" TIMEOUT 300 SKIP_RETURN_CODE 77)
    if(runtime STREQUAL "crun")
      set_tests_properties(${t}${suffix} PROPERTIES RESOURCE_LOCK ck_hybrid_cgroups_shared)
    endif()
  endforeach()
endfunction()

ck_container_tests(containers_lifecycle_crun test_lifecycle.c crun "_crun")
ck_container_tests(containers_lifecycle_runc test_lifecycle.c runc "_runc")
ck_container_tests(containers_features_crun test_features.c crun "_crun")
ck_container_tests(containers_features_runc test_features.c runc "_runc")
ck_container_tests(containers_spec test_spec.c crun "")
ck_container_tests(containers_reliability test_reliability.c crun "")
# Healthchecks and sd_notify (runc: it runs on every host this suite runs on).
ck_container_tests(containers_health test_health.c runc "")
set_tests_properties(container_64_processes_work_concurrently_without_errors PROPERTIES TIMEOUT 400)

# The same tests as an unprivileged user with subordinate ids (user
# namespace, a copied root filesystem, no cgroup on a v1 host); skipped
# unless CK_TEST_ROOTLESS_USER names such a user (tests/runtime/run-rootless.sh).
foreach(exe containers_lifecycle_crun containers_lifecycle_runc containers_features_crun containers_spec)
  add_test(NAME ${exe}_rootless
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/runtime/run-rootless.sh $<TARGET_FILE:${exe}>)
  set_tests_properties(${exe}_rootless PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 900 LABELS "containers")
endforeach()

# The record as a listing reads it (summary first, the rest on use): a unit
# test of the parser, no runtime needed.
ck_unit_test(containers_records container/test_records.c)

# The API added for podman compatibility: bad input and the record round
# trip of the run settings, no runtime needed.
ck_unit_test(containers_compat_api container/test_compat_api.c)
