#ifndef CPNG_SHIM_H
#define CPNG_SHIM_H
#include <png.h>
// Swift cannot import these function-like macros; re-export them as constants.
static const unsigned int cpng_format_rgb = PNG_FORMAT_RGB;
static const unsigned int cpng_format_rgba = PNG_FORMAT_RGBA;
static const unsigned int cpng_format_flag_color = PNG_FORMAT_FLAG_COLOR;
static const unsigned int cpng_format_flag_alpha = PNG_FORMAT_FLAG_ALPHA;
static const unsigned int cpng_image_version = PNG_IMAGE_VERSION;
#endif
