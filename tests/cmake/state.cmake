# State layer: crash safety, concurrency, migration, checks and bad input,
# against both backends, through the shared library's public API.
foreach(t crash concurrency migrate check badinput)
  ck_integration_test(state_${t} state/test_${t}.c state/common.c)
  target_include_directories(state_${t} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/state)
endforeach()
set_tests_properties(state_crash PROPERTIES TIMEOUT 900)

# The vtable contract, driven directly (needs the internal backend tables).
ck_unit_test(state_backend_conformance state/test_backend.c)
