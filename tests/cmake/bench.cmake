# ck-bench run: verdicts on fake engines of known speed, baselines, outputs,
# bad input, and short runs against the real ck.
foreach(t slower_engine_is_found_slower equal_engines_give_no_difference baseline_catches_injected_regression
          outputs_are_valid seed_replays_the_order suite_errors_name_file_and_line
          hang_times_out_and_failures_are_reported bad_input_is_named in_process_suite_runs
          real_ck_small_cases container_suite_on_ck pod_suite_on_ck pod_suite_floor pod_suite_rootless_ck)
  add_test(NAME bench_${t} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/bench/test_bench.sh ${t})
  set_tests_properties(bench_${t} PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77 ENVIRONMENT
    "CK_BENCH_BIN=$<TARGET_FILE:ck-bench>;CK_BIN=$<TARGET_FILE:ck>;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp")
endforeach()
