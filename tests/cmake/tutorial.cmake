# The tutorial's images (tests/fixtures/mkpgimages.py), built offline from Debian's packages into a cache in
# the build tree by the first test, then run with the ck CLI and runc.  Each behaviour is its own ctest.
# Build trees may share one cache (scripts/test.sh points the ASan build at the plain build's).
set(CK_TUTORIAL_CACHE ${CMAKE_BINARY_DIR}/tutorial-images CACHE PATH "where the tutorial's images are built and kept")
set(ck_tutorial_cache ${CK_TUTORIAL_CACHE})
add_test(NAME tutorial_images_build
  COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/fixtures/mkpgimages.py --cache ${ck_tutorial_cache})
# A cold build downloads about 45 packages and packs them: minutes, once.
set_tests_properties(tutorial_images_build PROPERTIES FIXTURES_SETUP tutorial_images LABELS "tutorial"
  TIMEOUT 1800)
foreach(t tutorial_app_writes_rows_that_persist_across_db_rm tutorial_pod_runs_the_deployment
    tutorial_db_refuses_a_wrong_password
    tutorial_db_defaults_serve_5432_with_a_password tutorial_db_without_password_fails_clearly
    tutorial_app_without_settings_fails_clearly
    tutorial_images_are_well_formed tutorial_runs_rootless tutorial_pod_runs_rootless)
  add_test(NAME ${t} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tutorial/test_images.sh ${t})
  set_tests_properties(${t} PROPERTIES FIXTURES_REQUIRED tutorial_images LABELS "tutorial;containers"
    TIMEOUT 180 SKIP_RETURN_CODE 77 ENVIRONMENT
    "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_RUNTIME=runc;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures;CK_TUTORIAL_CACHE=${ck_tutorial_cache}")
endforeach()
# It opens /dev/net/tun up, which the rootless network tests turn off for a while.
set_tests_properties(tutorial_pod_runs_rootless PROPERTIES RESOURCE_LOCK ck_dev_net_tun)
