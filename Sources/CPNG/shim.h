/* libpng with its longjmp error handling kept entirely inside these C functions: Swift only sees
   return codes and a message buffer, so no longjmp ever crosses a Swift frame. Samples are read and
   written exactly as stored (no gamma or alpha processing); 16-bit samples are in host byte order. */
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A decoded PNG: 8-bit palette and low-bit-depth grey are expanded to 8 bits, tRNS to an alpha channel. */
typedef struct {
    unsigned int width;
    unsigned int height;
    int channels;        /* 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA */
    int bit_depth;       /* 8 or 16 */
    unsigned char *pixels; /* row-major, interleaved, width*channels*(bit_depth/8) bytes per row; free with cpng_free */
    char message[256];   /* error text when a call returns non-zero */
} cpng_image;

static void cpng_error_handler(png_structp png, png_const_charp text) {
    cpng_image *image = (cpng_image *)png_get_error_ptr(png);
    snprintf(image->message, sizeof image->message, "%s", text);
    png_longjmp(png, 1);
}

static inline int cpng_host_is_little_endian(void) { const unsigned short one = 1; return *(const unsigned char *)&one == 1; }

static void cpng_warning_handler(png_structp png, png_const_charp text) { (void)png; (void)text; }

static inline void cpng_free(cpng_image *image) {
    free(image->pixels);
    image->pixels = NULL;
}

/* Reads a whole PNG file. Returns 0 on success; otherwise image->message says why. */
static inline int cpng_read_file(const char *path, cpng_image *image) {
    memset(image, 0, sizeof *image);
    FILE *file = fopen(path, "rb");
    if (file == NULL) { snprintf(image->message, sizeof image->message, "cannot open file"); return -1; }
    unsigned char signature[8];
    if (fread(signature, 1, 8, file) != 8 || png_sig_cmp(signature, 0, 8) != 0) {
        fclose(file);
        snprintf(image->message, sizeof image->message, "not a PNG file (bad signature)");
        return -1;
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, image, cpng_error_handler, cpng_warning_handler);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_bytep *volatile rows = NULL;
    if (png == NULL || info == NULL) {
        png_destroy_read_struct(&png, &info, NULL);
        fclose(file);
        snprintf(image->message, sizeof image->message, "out of memory");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        fclose(file);
        free(rows);
        cpng_free(image);
        return -1;
    }
    png_init_io(png, file);
    png_set_sig_bytes(png, 8);
    png_read_info(png, info);
    int color_type = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (depth == 16 && cpng_host_is_little_endian()) png_set_swap(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    image->width = png_get_image_width(png, info);
    image->height = png_get_image_height(png, info);
    image->channels = png_get_channels(png, info);
    image->bit_depth = png_get_bit_depth(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    image->pixels = (unsigned char *)malloc(row_bytes * image->height);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * image->height);
    if (image->pixels == NULL || rows == NULL) png_error(png, "out of memory");
    for (unsigned int y = 0; y < image->height; y++) rows[y] = image->pixels + y * row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    fclose(file);
    return 0;
}

/* Writes a PNG to an open stream from interleaved rows (channels 1-4, bit depth 8 or 16 with
   host-order samples). compression_level is zlib's 0-9; low levels write much faster. Returns 0 on
   success; the caller closes the stream. */
static inline int cpng_write_stream(FILE *file, const unsigned char *pixels, unsigned int width,
                                    unsigned int height, int channels, int bit_depth, int compression_level,
                                    char *message, size_t message_size) {
    static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                       PNG_COLOR_TYPE_RGB_ALPHA};
    cpng_image state;
    memset(&state, 0, sizeof state);
    if (channels < 1 || channels > 4 || (bit_depth != 8 && bit_depth != 16)) {
        snprintf(message, message_size, "unsupported layout: %d channels, %d bits", channels, bit_depth);
        return -1;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, cpng_error_handler, cpng_warning_handler);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_bytep *volatile rows = NULL;
    if (png == NULL || info == NULL) {
        png_destroy_write_struct(&png, &info);
        snprintf(message, message_size, "out of memory");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(rows);
        snprintf(message, message_size, "%s", state.message);
        return -1;
    }
    png_init_io(png, file);
    png_set_compression_level(png, compression_level);
    if (compression_level <= 2) png_set_filter(png, 0, PNG_FILTER_SUB);
    png_set_IHDR(png, info, width, height, bit_depth, color_types[channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    if (bit_depth == 16 && cpng_host_is_little_endian()) png_set_swap(png);
    size_t row_bytes = (size_t)width * channels * (bit_depth / 8);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (rows == NULL) png_error(png, "out of memory");
    for (unsigned int y = 0; y < height; y++) rows[y] = (png_bytep)(pixels + y * row_bytes);
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    return 0;
}

/* Writes a PNG file (see cpng_write_stream). Returns 0 on success. */
static inline int cpng_write_file(const char *path, const unsigned char *pixels, unsigned int width,
                                  unsigned int height, int channels, int bit_depth, int compression_level,
                                  char *message, size_t message_size) {
    FILE *file = fopen(path, "wb");
    if (file == NULL) { snprintf(message, message_size, "cannot create file"); return -1; }
    int status = cpng_write_stream(file, pixels, width, height, channels, bit_depth, compression_level, message, message_size);
    if (fclose(file) != 0 && status == 0) { snprintf(message, message_size, "cannot finish writing the file (disk full?)"); return -1; }
    return status;
}

/* Encodes a PNG in memory (see cpng_write_stream): on success *out holds *out_size bytes, which
   the caller releases with cpng_free_bytes. Returns 0 on success. */
static inline int cpng_write_memory(unsigned char **out, size_t *out_size, const unsigned char *pixels, unsigned int width,
                                    unsigned int height, int channels, int bit_depth, int compression_level,
                                    char *message, size_t message_size) {
    char *buffer = NULL;
    size_t size = 0;
    FILE *file = open_memstream(&buffer, &size);
    if (file == NULL) { snprintf(message, message_size, "out of memory"); return -1; }
    int status = cpng_write_stream(file, pixels, width, height, channels, bit_depth, compression_level, message, message_size);
    if (fclose(file) != 0 && status == 0) { snprintf(message, message_size, "out of memory"); status = -1; }
    if (status != 0) { free(buffer); return status; }
    *out = (unsigned char *)buffer;
    *out_size = size;
    return 0;
}

/* Releases memory returned by cpng_write_memory. */
static inline void cpng_free_bytes(unsigned char *bytes) { free(bytes); }
