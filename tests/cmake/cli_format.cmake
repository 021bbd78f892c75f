# The --format template engine of the ck CLI, compiled on its own from its
# sources (it uses nothing of the library), and the template behaviour of
# the real CLI, compared with podman 4.3 where it can run in a scratch root.
file(GLOB CK_TMPL_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/examples/ck/template/*.c)
add_executable(cli_template template/test_template.c ${CK_TMPL_SOURCES} ${CMAKE_SOURCE_DIR}/examples/ck/json.c)
target_include_directories(cli_template PRIVATE ${CMAKE_SOURCE_DIR}/examples/ck)
target_link_libraries(cli_template PRIVATE ck_harness)
add_test(NAME cli_template COMMAND cli_template)

add_test(NAME cli_format COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_format.sh)
set_tests_properties(cli_format PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 ENVIRONMENT
  "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")

# start/stop --all, wait on a created container, run pulling a missing image
# (runc, root, docker-registry on 127.0.0.1; skipped without them).
add_test(NAME cli_lifecycle_fixes COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_lifecycle_fixes.sh)
set_tests_properties(cli_lifecycle_fixes PROPERTIES LABELS "containers" SKIP_RETURN_CODE 77 TIMEOUT 600
  ENVIRONMENT "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp")
