/* libpng: use the simplified png_image_* API, which reports errors by return code (no longjmp through Swift). */
#include <png.h>
