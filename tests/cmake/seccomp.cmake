# The seccomp profile compiled to BPF for crun (lib/runtime/seccomp_bpf.c).
# Each behaviour is its own ctest, named after its function; those that need
# crun or root skip (exit 77) where they cannot run.
add_executable(runtime_seccomp_bpf ${CMAKE_CURRENT_SOURCE_DIR}/runtime/test_seccomp_bpf.c
  ${CMAKE_CURRENT_SOURCE_DIR}/runtime/rt_common.c)
target_link_libraries(runtime_seccomp_bpf PRIVATE containerkit_testing ck_harness)
target_include_directories(runtime_seccomp_bpf PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/runtime)
file(STRINGS ${CMAKE_CURRENT_SOURCE_DIR}/runtime/test_seccomp_bpf.c lines REGEX "CK_TEST\\([a-z0-9_]+\\)")
string(REGEX MATCHALL "CK_TEST\\([a-z0-9_]+\\)" calls "${lines}")
foreach(call ${calls})
  string(REGEX REPLACE "CK_TEST\\(([a-z0-9_]+)\\)" "\\1" t "${call}")
  add_test(NAME ${t} COMMAND runtime_seccomp_bpf ${t})
  set_tests_properties(${t} PROPERTIES ENVIRONMENT "CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp"
    SKIP_RETURN_CODE 77 TIMEOUT 120)
endforeach()
# Running crun may rebind hugetlb on a hybrid host (see runtime.cmake).
set_tests_properties(seccomp_bpf_default_caps_is_what_crun_compiles
  seccomp_bpf_with_cap_sys_admin_is_what_crun_compiles PROPERTIES RESOURCE_LOCK ck_hybrid_cgroups)

# Containers through the public API, with crun (the annotation) and runc
# (none).  ck_container_tests comes from containers.cmake, included before
# this fragment (tests/CMakeLists.txt includes them in name order).
ck_container_tests(containers_seccomp test_seccomp.c crun "")
