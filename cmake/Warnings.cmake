# Warnings are errors for our own code; third-party headers are included as system headers
# by their imported targets, so their warnings stay out of the way.
# -Wnull-dereference and -Wrestrict are off: with GCC 12 at -O2 they fire inside libstdc++'s
# std::string and Boost.ProgramOptions (known false positives), not in our code. clang
# (the fuzz build) has no -Wrestrict at all.
function(rotor_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Werror -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Wunused -Woverloaded-virtual $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>
    -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
endfunction()
