# The core module: the on-first-use loader of libarchive, libcurl and
# libcrypto, as a unit (errors, the crypto table) and through the shared
# library (nothing is mapped before it is needed).
ck_unit_test(core_dynlib core/test_dynlib.c)
ck_integration_test(core_lazy_libs core/test_lazy_libs.c)
ck_unit_test(core_events core/test_events.c)
ck_integration_test(core_context_options core/test_context_options.c)
ck_unit_test(core_error core/test_error.c)
ck_unit_test(core_filter core/test_filter.c)
