# Reading a file of an image through its layers without mounting them (what
# create uses to resolve users): whiteouts, opaque directories, links.
ck_unit_test(images_lookup layer/test_lookup.c)

# Image references in typed parts, and the pull policy, through the public API.
ck_integration_test(images_reference image/test_reference.c)
target_compile_definitions(images_reference PRIVATE CK_MKIMAGE="${CMAKE_SOURCE_DIR}/tests/fixtures/mkimage.py")
