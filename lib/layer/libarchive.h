/* libarchive, loaded on first use (core/dynlib.h): include this instead of
 * <archive.h> and <archive_entry.h>.  Only the functions listed here may be
 * called; add a new one to the list. */
#ifndef CK_IMAGE_LIBARCHIVE_H
#define CK_IMAGE_LIBARCHIVE_H

#include <archive.h>
#include <archive_entry.h>
#include "core/dynlib.h"

#define CK__ARCHIVE_SYMS(X) \
	X(archive_entry_atime) \
	X(archive_entry_atime_is_set) \
	X(archive_entry_atime_nsec) \
	X(archive_entry_filetype) \
	X(archive_entry_free) \
	X(archive_entry_gid) \
	X(archive_entry_hardlink) \
	X(archive_entry_mtime) \
	X(archive_entry_mtime_nsec) \
	X(archive_entry_new) \
	X(archive_entry_pathname) \
	X(archive_entry_pathname_utf8) \
	X(archive_entry_perm) \
	X(archive_entry_rdev) \
	X(archive_entry_set_filetype) \
	X(archive_entry_set_gid) \
	X(archive_entry_set_mtime) \
	X(archive_entry_set_pathname) \
	X(archive_entry_set_perm) \
	X(archive_entry_set_rdev) \
	X(archive_entry_set_size) \
	X(archive_entry_set_symlink) \
	X(archive_entry_set_uid) \
	X(archive_entry_size) \
	X(archive_entry_size_is_set) \
	X(archive_entry_symlink) \
	X(archive_entry_uid) \
	X(archive_entry_xattr_next) \
	X(archive_entry_xattr_reset) \
	X(archive_errno) \
	X(archive_error_string) \
	X(archive_filter_code) \
	X(archive_filter_count) \
	X(archive_read_data) \
	X(archive_read_data_block) \
	X(archive_read_free) \
	X(archive_read_new) \
	X(archive_read_next_header) \
	X(archive_read_open) \
	X(archive_read_open_fd) \
	X(archive_read_open_filename) \
	X(archive_read_support_filter_all) \
	X(archive_read_support_format_empty) \
	X(archive_read_support_format_gnutar) \
	X(archive_read_support_format_raw) \
	X(archive_read_support_format_tar) \
	X(archive_set_error) \
	X(archive_write_close) \
	X(archive_write_data) \
	X(archive_write_free) \
	X(archive_write_header) \
	X(archive_write_new) \
	X(archive_write_open_fd) \
	X(archive_write_set_bytes_in_last_block) \
	X(archive_write_set_format_pax_restricted)

CK__DYNLIB_DECLARE(archive, CK__ARCHIVE_SYMS)

/* The library's own names, routed through the table. */
#ifndef CK__DYNLIB_BIND
#undef archive_entry_atime
#define archive_entry_atime                     (ck__archive()->archive_entry_atime)
#undef archive_entry_atime_is_set
#define archive_entry_atime_is_set              (ck__archive()->archive_entry_atime_is_set)
#undef archive_entry_atime_nsec
#define archive_entry_atime_nsec                (ck__archive()->archive_entry_atime_nsec)
#undef archive_entry_filetype
#define archive_entry_filetype                  (ck__archive()->archive_entry_filetype)
#undef archive_entry_free
#define archive_entry_free                      (ck__archive()->archive_entry_free)
#undef archive_entry_gid
#define archive_entry_gid                       (ck__archive()->archive_entry_gid)
#undef archive_entry_hardlink
#define archive_entry_hardlink                  (ck__archive()->archive_entry_hardlink)
#undef archive_entry_mtime
#define archive_entry_mtime                     (ck__archive()->archive_entry_mtime)
#undef archive_entry_mtime_nsec
#define archive_entry_mtime_nsec                (ck__archive()->archive_entry_mtime_nsec)
#undef archive_entry_new
#define archive_entry_new                       (ck__archive()->archive_entry_new)
#undef archive_entry_pathname
#define archive_entry_pathname                  (ck__archive()->archive_entry_pathname)
#undef archive_entry_pathname_utf8
#define archive_entry_pathname_utf8             (ck__archive()->archive_entry_pathname_utf8)
#undef archive_entry_perm
#define archive_entry_perm                      (ck__archive()->archive_entry_perm)
#undef archive_entry_rdev
#define archive_entry_rdev                      (ck__archive()->archive_entry_rdev)
#undef archive_entry_set_filetype
#define archive_entry_set_filetype              (ck__archive()->archive_entry_set_filetype)
#undef archive_entry_set_gid
#define archive_entry_set_gid                   (ck__archive()->archive_entry_set_gid)
#undef archive_entry_set_mtime
#define archive_entry_set_mtime                 (ck__archive()->archive_entry_set_mtime)
#undef archive_entry_set_pathname
#define archive_entry_set_pathname              (ck__archive()->archive_entry_set_pathname)
#undef archive_entry_set_perm
#define archive_entry_set_perm                  (ck__archive()->archive_entry_set_perm)
#undef archive_entry_set_rdev
#define archive_entry_set_rdev                  (ck__archive()->archive_entry_set_rdev)
#undef archive_entry_set_symlink
#define archive_entry_set_symlink               (ck__archive()->archive_entry_set_symlink)
#undef archive_entry_set_size
#define archive_entry_set_size                  (ck__archive()->archive_entry_set_size)
#undef archive_entry_set_uid
#define archive_entry_set_uid                   (ck__archive()->archive_entry_set_uid)
#undef archive_entry_size
#define archive_entry_size                      (ck__archive()->archive_entry_size)
#undef archive_entry_size_is_set
#define archive_entry_size_is_set               (ck__archive()->archive_entry_size_is_set)
#undef archive_entry_symlink
#define archive_entry_symlink                   (ck__archive()->archive_entry_symlink)
#undef archive_entry_uid
#define archive_entry_uid                       (ck__archive()->archive_entry_uid)
#undef archive_entry_xattr_next
#define archive_entry_xattr_next                (ck__archive()->archive_entry_xattr_next)
#undef archive_entry_xattr_reset
#define archive_entry_xattr_reset               (ck__archive()->archive_entry_xattr_reset)
#undef archive_errno
#define archive_errno                           (ck__archive()->archive_errno)
#undef archive_error_string
#define archive_error_string                    (ck__archive()->archive_error_string)
#undef archive_filter_code
#define archive_filter_code                     (ck__archive()->archive_filter_code)
#undef archive_filter_count
#define archive_filter_count                    (ck__archive()->archive_filter_count)
#undef archive_read_data
#define archive_read_data                       (ck__archive()->archive_read_data)
#undef archive_read_data_block
#define archive_read_data_block                 (ck__archive()->archive_read_data_block)
#undef archive_read_free
#define archive_read_free                       (ck__archive()->archive_read_free)
#undef archive_read_new
#define archive_read_new                        (ck__archive()->archive_read_new)
#undef archive_read_next_header
#define archive_read_next_header                (ck__archive()->archive_read_next_header)
#undef archive_read_open
#define archive_read_open                       (ck__archive()->archive_read_open)
#undef archive_read_open_fd
#define archive_read_open_fd                    (ck__archive()->archive_read_open_fd)
#undef archive_read_open_filename
#define archive_read_open_filename              (ck__archive()->archive_read_open_filename)
#undef archive_read_support_filter_all
#define archive_read_support_filter_all         (ck__archive()->archive_read_support_filter_all)
#undef archive_read_support_format_empty
#define archive_read_support_format_empty       (ck__archive()->archive_read_support_format_empty)
#undef archive_read_support_format_gnutar
#define archive_read_support_format_gnutar      (ck__archive()->archive_read_support_format_gnutar)
#undef archive_read_support_format_raw
#define archive_read_support_format_raw         (ck__archive()->archive_read_support_format_raw)
#undef archive_read_support_format_tar
#define archive_read_support_format_tar         (ck__archive()->archive_read_support_format_tar)
#undef archive_set_error
#define archive_set_error                       (ck__archive()->archive_set_error)
#undef archive_write_close
#define archive_write_close                     (ck__archive()->archive_write_close)
#undef archive_write_data
#define archive_write_data                      (ck__archive()->archive_write_data)
#undef archive_write_free
#define archive_write_free                      (ck__archive()->archive_write_free)
#undef archive_write_header
#define archive_write_header                    (ck__archive()->archive_write_header)
#undef archive_write_new
#define archive_write_new                       (ck__archive()->archive_write_new)
#undef archive_write_open_fd
#define archive_write_open_fd                   (ck__archive()->archive_write_open_fd)
#undef archive_write_set_bytes_in_last_block
#define archive_write_set_bytes_in_last_block   (ck__archive()->archive_write_set_bytes_in_last_block)
#undef archive_write_set_format_pax_restricted
#define archive_write_set_format_pax_restricted (ck__archive()->archive_write_set_format_pax_restricted)
#endif

#endif
