// libFuzzer's driver entry (compiler-rt, linked by `-sanitize=fuzzer`); used by Fuzz/FuzzSupport.
// SwiftPM names every Linux executable's entry point `<Module>_main`, so the fuzz executables run
// the driver from their own top-level code instead of using libFuzzer's `main`.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
