# Python binding: its unittest suite, run by the system Python 3 against the
# freshly built shared library (not an installed one), in Python's dev mode.
find_package(Python3 3.11 COMPONENTS Interpreter)
if(NOT Python3_Interpreter_FOUND)
  message(STATUS "python_binding_tests: no Python >= 3.11 interpreter; test not registered")
  return()
endif()

set(CK_PY_ENV
  "CONTAINERKIT_LIBRARY=$<TARGET_FILE:containerkit>"
  "PYTHONPATH=${CMAKE_SOURCE_DIR}/bindings/python"
  "PYTHONDONTWRITEBYTECODE=1"
  "CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp")

if(CK_SANITIZE)
  # The library is built with ASan, which must be the first library loaded;
  # python is not, so preload the runtime.  Python's own allocations are not
  # leak-checked (it keeps much alive on purpose at exit).
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so
                  OUTPUT_VARIABLE CK_ASAN_RUNTIME OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT CK_ASAN_RUNTIME OR NOT IS_ABSOLUTE "${CK_ASAN_RUNTIME}" OR NOT EXISTS "${CK_ASAN_RUNTIME}")
    message(STATUS "python_binding_tests: skipped under CK_SANITIZE: "
                   "${CMAKE_C_COMPILER} does not name an ASan runtime to preload into python")
    return()
  endif()
  list(APPEND CK_PY_ENV
    "LD_PRELOAD=${CK_ASAN_RUNTIME}"
    "ASAN_OPTIONS=detect_leaks=0"
    "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
endif()

add_test(NAME python_binding_tests
  COMMAND ${Python3_EXECUTABLE} -X dev -m unittest discover
          -s ${CMAKE_SOURCE_DIR}/bindings/python/tests -t ${CMAKE_SOURCE_DIR}/bindings/python/tests -v
  WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
set_tests_properties(python_binding_tests PROPERTIES
  ENVIRONMENT "${CK_PY_ENV}"
  TIMEOUT 600)
