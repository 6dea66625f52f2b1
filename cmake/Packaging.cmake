# SPDX-License-Identifier: GPL-3.0-or-later
# What `cmake --install` puts where, and the Debian package CPack makes of it
# (`cpack` in a Release build tree: ptrescue_VERSION_ARCH.deb). Included from
# the top-level CMakeLists.txt after the ptrescue target.
include(GNUInstallDirs)

install(TARGETS ptrescue RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# man finds pages gzipped; -n leaves the name and time out of the header, so
# the same page gives the same bytes. A dependency of ptrescue, so the
# `--target ptrescue` build of tools/setup.sh leaves a tree that installs.
set(ptrescue_man_page ${CMAKE_BINARY_DIR}/man/ptrescue.1)
add_custom_command(OUTPUT ${ptrescue_man_page}.gz
  COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_SOURCE_DIR}/docs/ptrescue.1 ${ptrescue_man_page}
  COMMAND gzip -9nf ${ptrescue_man_page}
  DEPENDS ${CMAKE_SOURCE_DIR}/docs/ptrescue.1
  VERBATIM)
add_custom_target(ptrescue_man_page DEPENDS ${ptrescue_man_page}.gz)
add_dependencies(ptrescue ptrescue_man_page)
install(FILES ${ptrescue_man_page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# README.md links docs/NAME.md, so the docs keep that layout under DOCDIR.
install(FILES README.md LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR})
file(GLOB ptrescue_docs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${ptrescue_docs} DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)

# bash-completion loads completions/NAME when NAME is first completed.
install(FILES tools/completion/ptrescue.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME ptrescue)

set(PTRESCUE_MAINTAINER "ptrescue maintainers <ptrescue@invalid>"
  CACHE STRING "The Maintainer field of the Debian package")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ptrescue)
set(CPACK_PACKAGE_CONTACT "${PTRESCUE_MAINTAINER}")
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "disk imager for failing drives, ddrescue-compatible mapfile")
# Without it CPack would take its generic template text as the long
# description. Lines of Debian's width; CPack indents them.
string(JOIN "\n" CPACK_PACKAGE_DESCRIPTION
  "ptrescue images a failing drive into a raw image file, keeping a GNU"
  "ddrescue-compatible mapfile. It reads through SAT, SCSI and NVMe"
  "pass-through with a timeout per command and resets a hung drive,"
  "schedules reads around a failing head, reads SMART during the rescue,"
  "and verifies, hashes and reports on the result.")
set(CPACK_STRIP_FILES ON)
# ptrescue_VERSION_ARCH.deb, Debian's naming.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends computed by dpkg-shlibdeps from the libraries the binary links:
# Debian's runtime packages (libc6, libfmt9, libnvme1...), never the -dev ones.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
include(CPack)
