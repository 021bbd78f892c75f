# lib/system through the public API: the typed info report (and, in the
# CLI tests, `ck info`/`ck version` against podman's key structure).
set(ck_sys_dir ${CMAKE_CURRENT_SOURCE_DIR}/system)

add_executable(system_info ${ck_sys_dir}/test_info.c ${CMAKE_CURRENT_SOURCE_DIR}/container/ctr_common.c)
target_link_libraries(system_info PRIVATE containerkit ck_harness)
target_include_directories(system_info PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/container)
target_compile_definitions(system_info PRIVATE CK_TEST_RUNTIME="runc"
  CK_MKIMAGE="${CMAKE_SOURCE_DIR}/tests/fixtures/mkimage.py")
add_dependencies(system_info ck-monitor)
add_test(NAME system_info COMMAND system_info)
set_tests_properties(system_info PROPERTIES ENVIRONMENT "CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp"
  TIMEOUT 300 SKIP_RETURN_CODE 77)

add_test(NAME cli_info COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_info.sh
  version_template_reads_client_version info_templates_read_ck_values)
add_test(NAME cli_info_podman_keys COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_info.sh info_json_has_podmans_keys)
set_tests_properties(cli_info cli_info_podman_keys PROPERTIES ENVIRONMENT
  "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp" SKIP_RETURN_CODE 77)

# `ck events` over the typed events (root and runc: a container that exits).
add_test(NAME cli_events_runc COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_events.sh)
set_tests_properties(cli_events_runc PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77 ENVIRONMENT
  "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_RUNTIME=runc;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")

# The 1.0 and 1.1 names that 1.1 renamed to ck_<module>_<noun> stay usable.
ck_integration_test(abi_old_names_still_work abi/old_names.c)
target_link_libraries(abi_old_names_still_work PRIVATE ${CMAKE_DL_LIBS})

# ck_system_prune_v2's typed list of what it removed.
add_executable(system_prune ${ck_sys_dir}/test_prune.c ${CMAKE_CURRENT_SOURCE_DIR}/container/ctr_common.c)
target_link_libraries(system_prune PRIVATE containerkit ck_harness)
target_include_directories(system_prune PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/container)
target_compile_definitions(system_prune PRIVATE CK_TEST_RUNTIME="runc"
  CK_MKIMAGE="${CMAKE_SOURCE_DIR}/tests/fixtures/mkimage.py")
add_dependencies(system_prune ck-monitor)
add_test(NAME system_prune_v2_lists_what_it_removed_typed COMMAND system_prune system_prune_v2_lists_what_it_removed_typed)
set_tests_properties(system_prune_v2_lists_what_it_removed_typed PROPERTIES
  ENVIRONMENT "CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp" TIMEOUT 300 SKIP_RETURN_CODE 77)
