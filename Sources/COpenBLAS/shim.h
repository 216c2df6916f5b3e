/* OpenBLAS's CBLAS interface; the include path comes from pkg-config (Debian's multiarch dir). */
#include <cblas.h>
