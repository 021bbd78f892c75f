# Image archives: ck_image_load / ck_image_save through the shared library
# (one ctest per CK_TEST function of tests/archive/test_archive*.c: formats,
# bad input, loads killed midway), and the ck load / ck save CLI with its
# interoperability with skopeo and podman (tests/cli/test_archive_cli.sh;
# exits 77, skipped, without skopeo).
foreach(ck_arc_area archive archive_bad archive_kill)
  set(ck_arc_src ${CMAKE_CURRENT_SOURCE_DIR}/archive/test_${ck_arc_area}.c)
  add_executable(images_${ck_arc_area} ${ck_arc_src} archive/test_archive_util.c)
  target_link_libraries(images_${ck_arc_area} PRIVATE containerkit ck_harness PkgConfig::LIBARCHIVE)
  file(STRINGS ${ck_arc_src} ck_arc_lines REGEX "CK_TEST\\([a-z0-9_]+\\)")
  string(REGEX MATCHALL "CK_TEST\\([a-z0-9_]+\\)" ck_arc_calls "${ck_arc_lines}")
  foreach(ck_arc_call ${ck_arc_calls})
    string(REGEX REPLACE "CK_TEST\\(([a-z0-9_]+)\\)" "\\1" ck_arc_test "${ck_arc_call}")
    add_test(NAME ${ck_arc_test} COMMAND images_${ck_arc_area} ${ck_arc_test})
    set_tests_properties(${ck_arc_test} PROPERTIES LABELS "images" TIMEOUT 300 ENVIRONMENT
      "CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
  endforeach()
endforeach()

# Many loads of a ~75 MB archive, each killed and checked.
set_tests_properties(archive_load_killed_at_any_moment_is_all_or_nothing_sqlite
  archive_load_killed_at_any_moment_is_all_or_nothing_lmdb PROPERTIES TIMEOUT 900)

add_test(NAME archive_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_archive_cli.sh)
set_tests_properties(archive_cli PROPERTIES LABELS "images" SKIP_RETURN_CODE 77 TIMEOUT 900 ENVIRONMENT
  "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
