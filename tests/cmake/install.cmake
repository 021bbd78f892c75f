# A build used as a user uses it (tests/install/): through the build tree's
# containerkit.pc, and installed under a scratch prefix that nothing else
# points at (no LD_LIBRARY_PATH), each running real containers.  The
# prefix test needs root and skips (exit 77) otherwise.
foreach(mode build-tree prefix)
  string(REPLACE "-" "_" name ${mode})
  add_test(NAME install_${name}_runs_containers_without_ld_library_path
    COMMAND bash ${CMAKE_SOURCE_DIR}/tests/install/install-run.sh ${mode} ${CMAKE_BINARY_DIR}
            ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/testtmp/install-run-${mode} ${CMAKE_COMMAND}
            ${CMAKE_C_COMPILER} ${CK_SANITIZE} "${CK_PROGRAM_RPATH}")
  set_tests_properties(install_${name}_runs_containers_without_ld_library_path PROPERTIES
    LABELS "containers;install" TIMEOUT 300 SKIP_RETURN_CODE 77
    ENVIRONMENT "CK_TEST_RUNTIME=runc" RESOURCE_LOCK ck_build_install)
endforeach()
