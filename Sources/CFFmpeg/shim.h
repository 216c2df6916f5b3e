/* FFmpeg headers plus static inline wrappers for the macros Swift cannot import. */
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/display.h>
#include <libavutil/log.h>
#include <libswscale/swscale.h>
#include <errno.h>
#include <math.h>

static inline int cffmpeg_averror(int e) { return AVERROR(e); }
static inline int cffmpeg_averror_eof(void) { return AVERROR_EOF; }
static inline int cffmpeg_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int cffmpeg_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int cffmpeg_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int64_t cffmpeg_nopts_value(void) { return AV_NOPTS_VALUE; }

/* Human-readable text for an FFmpeg error code (av_err2str is a macro using a compound literal). */
static inline void cffmpeg_error_string(int code, char *buffer, size_t size) {
    if (av_strerror(code, buffer, size) < 0) snprintf(buffer, size, "FFmpeg error %d", code);
}

/* Rotation in degrees (counter-clockwise, as av_display_rotation_get) stored in a stream's display
   matrix side data, or 0 when there is none. Kept in C so the deprecated side-data accessor of
   FFmpeg 5/6 does not need to be spelled in Swift. */
static inline double cffmpeg_stream_rotation_degrees(const AVStream *stream) {
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
    size_t size = 0;
    const uint8_t *matrix = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size);
#pragma clang diagnostic pop
    if (matrix == NULL || size < 9 * sizeof(int32_t)) return 0.0;
    double degrees = av_display_rotation_get((const int32_t *)matrix);
    return isnan(degrees) ? 0.0 : degrees;
}

/* True when the decoder flagged the frame as damaged (concealed errors or the corrupt flag). */
static inline int cffmpeg_frame_is_corrupt(const AVFrame *frame) {
    return (frame->flags & AV_FRAME_FLAG_CORRUPT) != 0 || frame->decode_error_flags != 0;
}

/* Silences (or restores) libav* console logging; the library reports through typed errors instead. */
static inline void cffmpeg_set_log_quiet(int quiet) {
    av_log_set_level(quiet ? AV_LOG_QUIET : AV_LOG_INFO);
}
