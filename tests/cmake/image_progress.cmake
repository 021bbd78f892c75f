# Versioned progress callbacks (pull, push, load, migration) against a real
# docker-registry on 127.0.0.1 that test_progress.sh starts; skipped (77)
# without docker-registry or skopeo.
add_executable(image_progress ${CMAKE_CURRENT_SOURCE_DIR}/image/test_progress.c)
target_link_libraries(image_progress PRIVATE containerkit ck_harness)
add_test(NAME image_progress COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/image/test_progress.sh)
set_tests_properties(image_progress PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 ENVIRONMENT
  "PROGRESS_BIN=$<TARGET_FILE:image_progress>;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp")
