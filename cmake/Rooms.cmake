# SPDX-License-Identifier: GPL-3.0-or-later
# ptrescue_room(NAME DIR DEPS...): the static library ptrescue_NAME from the
# sources of DIR (not its sub-folders), linking DEPS.
#
# Its include view, ${CMAKE_BINARY_DIR}/rooms/NAME, holds links to DIR's own
# headers only, at their source-relative paths ("src/engine/image_file.h").
# The view is the library's PUBLIC include directory, so a room sees its own
# headers and, through what it links, those of the rooms below it: never a
# room above. Including a higher room's header is a compile error.
function(ptrescue_room name dir)
  set(view ${CMAKE_BINARY_DIR}/rooms/${name})
  file(GLOB headers CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${dir}/*.h)
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${dir}/*.cpp)
  file(REMOVE_RECURSE ${view})
  file(MAKE_DIRECTORY ${view}/${dir})
  foreach(header ${headers})
    get_filename_component(leaf ${header} NAME)
    file(CREATE_LINK ${header} ${view}/${dir}/${leaf} SYMBOLIC)
  endforeach()
  if(sources)
    add_library(ptrescue_${name} STATIC ${sources})
    target_include_directories(ptrescue_${name} PUBLIC ${view})
    target_link_libraries(ptrescue_${name} PUBLIC ${ARGN})
  else()
    add_library(ptrescue_${name} INTERFACE)
    target_include_directories(ptrescue_${name} INTERFACE ${view})
    target_link_libraries(ptrescue_${name} INTERFACE ${ARGN})
  endif()
endfunction()
