# Compile a BPF C source into an object with BTF: clang -O2 -g -target bpf.
# The multiarch include dir supplies <asm/types.h> for linux/types.h.
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-multiarch
  OUTPUT_VARIABLE KTSNAP_MULTIARCH OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT KTSNAP_MULTIARCH)
  set(KTSNAP_MULTIARCH x86_64-linux-gnu)
endif()

function(ktsnap_bpf_object out_var src)
  get_filename_component(stem ${src} NAME_WE)
  set(obj ${CMAKE_CURRENT_BINARY_DIR}/${stem}.bpf.o)
  add_custom_command(OUTPUT ${obj}
    COMMAND ${BPF_CLANG} -O2 -g -target bpf -I/usr/include/${KTSNAP_MULTIARCH}
            -Wall -Werror -c ${src} -o ${obj}
    DEPENDS ${src}
    COMMENT "clang -target bpf ${stem}.bpf.c")
  set(${out_var} ${obj} PARENT_SCOPE)
endfunction()
