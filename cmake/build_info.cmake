# Writes the build information (version, git revision, build type) into OUTPUT from INPUT.
# Run at configure time and again at every build, so that a build after a commit records the new
# revision without configuring again; configure_file rewrites OUTPUT only when its text changes,
# so an unchanged revision recompiles nothing. A tree with uncommitted changes to tracked files
# is marked "-dirty": results files must not claim a revision they were not built from.
#
# cmake -DSOURCE_DIR=... -DINPUT=... -DOUTPUT=... -DPROJECT_VERSION=... -DCMAKE_BUILD_TYPE=...
#       -P build_info.cmake
execute_process(COMMAND git rev-parse --short=12 HEAD
  WORKING_DIRECTORY ${SOURCE_DIR}
  OUTPUT_VARIABLE CLVSIM_GIT_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT CLVSIM_GIT_REVISION)
  set(CLVSIM_GIT_REVISION "unknown")
else()
  execute_process(COMMAND git diff --quiet HEAD --
    WORKING_DIRECTORY ${SOURCE_DIR} RESULT_VARIABLE CLVSIM_GIT_DIRTY ERROR_QUIET)
  if(CLVSIM_GIT_DIRTY EQUAL 1)
    string(APPEND CLVSIM_GIT_REVISION "-dirty")
  endif()
endif()
configure_file(${INPUT} ${OUTPUT} @ONLY)
