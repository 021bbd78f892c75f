# Registries: the client on its own and the public pull/login API against
# fakereg.py, then pull, push, login and their failures through the ck CLI
# against real docker-registry instances (plain HTTP, TLS with a test CA,
# htpasswd auth over TLS) and fakereg.py, all on 127.0.0.1.  The shell tests
# exit 77 (skipped) when docker-registry, skopeo or htpasswd is absent.
set(CK_REG_ENV "CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp;CK_FAKEREG=${CMAKE_CURRENT_SOURCE_DIR}/registry/fakereg.py")

ck_unit_test(registry_client registry/test_client.c registry/fake.c)
ck_integration_test(registry_api registry/test_api.c registry/fake.c)
foreach(t registry_client registry_api)
  target_include_directories(${t} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/registry)
  set_tests_properties(${t} PROPERTIES ENVIRONMENT "${CK_REG_ENV}" TIMEOUT 300)
endforeach()

foreach(t pull push tls auth index faults concurrent autoupdate)
  add_test(NAME registry_${t} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/registry/test_${t}.sh)
  set_tests_properties(registry_${t} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 ENVIRONMENT
    "CK_BIN=$<TARGET_FILE:ck>;CK_TEST_TMPDIR=${CMAKE_BINARY_DIR}/testtmp")
endforeach()
# Each auto-update test runs containers through several updates and gates.
set_tests_properties(registry_autoupdate PROPERTIES TIMEOUT 900)
