# Script mode (cmake -P), run at every build: writes OUTPUT with the source tree's git revision,
# touching it only when the revision changed, so result files name the commit that was built
# rather than the one that was configured.
#   -DSOURCE_DIR=<repository> -DOUTPUT=<header>
execute_process(COMMAND git describe --always --dirty --abbrev=12
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE revision OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET)
if(NOT revision)
  set(revision "unknown")
endif()
set(text "// Generated at build time by cmake/GitRevision.cmake.\n#pragma once\n\n")
string(APPEND text "#define COLLBENCH_GIT_REVISION \"${revision}\"\n")
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUTPUT} "${text}")
endif()
