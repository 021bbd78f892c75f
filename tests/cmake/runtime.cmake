# Runtime module: config.json generation, host probing, and containers run
# with both real OCI runtimes (the container tests skip, exit 77, where a
# runtime cannot run or the user is not root).
ck_unit_test(runtime_host runtime/test_host.c runtime/rt_common.c)
ck_unit_test(runtime_oci_config runtime/test_oci_config.c runtime/rt_common.c)
ck_unit_test(runtime_invoke runtime/test_invoke.c runtime/rt_common.c)
target_compile_definitions(runtime_invoke PRIVATE
  CK_FAKE_RUNTIME="${CMAKE_CURRENT_SOURCE_DIR}/runtime/fake-runtime.sh")
# A static helper put into the test containers' busybox rootfs, for system
# calls busybox cannot make (built without the sanitizers, which cannot link
# statically).
include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_LINK_OPTIONS -static)
check_c_source_compiles("int main(void) { return 0; }" CK_HAVE_STATIC_LIBC)
unset(CMAKE_REQUIRED_LINK_OPTIONS)
if(CK_HAVE_STATIC_LIBC)
  add_executable(ck_sysprobe runtime/sysprobe.c)
  set_property(TARGET ck_sysprobe PROPERTY COMPILE_OPTIONS "")
  set_property(TARGET ck_sysprobe PROPERTY LINK_OPTIONS -static)
endif()

foreach(rt runc crun)
  ck_unit_test(runtime_containers_${rt} runtime/test_containers.c runtime/rt_common.c)
  target_compile_definitions(runtime_containers_${rt} PRIVATE CK_TEST_RUNTIME="${rt}")
  if(CK_HAVE_STATIC_LIBC)
    target_compile_definitions(runtime_containers_${rt} PRIVATE CK_SYSPROBE="$<TARGET_FILE:ck_sysprobe>")
    add_dependencies(runtime_containers_${rt} ck_sysprobe)
  endif()
  set_tests_properties(runtime_containers_${rt} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)
endforeach()
foreach(t runtime_host runtime_oci_config runtime_invoke runtime_containers_runc runtime_containers_crun)
  target_include_directories(${t} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/runtime)
endforeach()
set_tests_properties(runtime_host PROPERTIES SKIP_RETURN_CODE 77)
# Both may rebind hugetlb on a hybrid host; the host test wants to see it before.
set_tests_properties(runtime_host runtime_containers_crun PROPERTIES RESOURCE_LOCK ck_hybrid_cgroups)
# The same container tests as an unprivileged user with subordinate ids
# (user namespace, podman's two-range mapping, no cgroup on a v1 host);
# skipped unless CK_TEST_ROOTLESS_USER names such a user.
foreach(rt runc crun)
  add_test(NAME runtime_containers_${rt}_rootless
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/runtime/run-rootless.sh $<TARGET_FILE:runtime_containers_${rt}>)
  set_tests_properties(runtime_containers_${rt}_rootless PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)
endforeach()
