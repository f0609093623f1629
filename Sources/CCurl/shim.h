#ifndef FIVETRAN_NOTIFY_CCURL_SHIM_H
#define FIVETRAN_NOTIFY_CCURL_SHIM_H

#include <curl/curl.h>

// libcurl is loaded with dlopen when first needed (see LibCurl.swift), so nothing here links
// against it: these are only its declarations, plus shims for the two variadic calls.
//
// Swift cannot call C variadic functions, and libcurl's option setters (curl_easy_setopt,
// curl_easy_getinfo) are variadic. These static inline functions take the function's address
// and give each argument type a fixed signature, so Swift can call them; each compiles to one
// call of the variadic function.

typedef CURLcode (*fn_curl_easy_setopt_t)(CURL *handle, CURLoption option, ...);
typedef CURLcode (*fn_curl_easy_getinfo_t)(CURL *handle, CURLINFO info, ...);

static inline CURLcode fn_curl_easy_setopt_long(void *setopt, CURL *handle, CURLoption option, long value) {
    return ((fn_curl_easy_setopt_t)setopt)(handle, option, value);
}

static inline CURLcode fn_curl_easy_setopt_string(void *setopt, CURL *handle, CURLoption option, const char *value) {
    return ((fn_curl_easy_setopt_t)setopt)(handle, option, value);
}

static inline CURLcode fn_curl_easy_setopt_pointer(void *setopt, CURL *handle, CURLoption option, void *value) {
    return ((fn_curl_easy_setopt_t)setopt)(handle, option, value);
}

static inline CURLcode fn_curl_easy_setopt_slist(
    void *setopt, CURL *handle, CURLoption option, struct curl_slist *value) {
    return ((fn_curl_easy_setopt_t)setopt)(handle, option, value);
}

static inline CURLcode fn_curl_easy_setopt_off_t(void *setopt, CURL *handle, CURLoption option, curl_off_t value) {
    return ((fn_curl_easy_setopt_t)setopt)(handle, option, value);
}

typedef size_t (*fn_curl_data_callback)(char *buffer, size_t size, size_t count, void *userdata);

static inline CURLcode fn_curl_easy_setopt_callback(
    void *setopt, CURL *handle, CURLoption option, fn_curl_data_callback value) {
    return ((fn_curl_easy_setopt_t)setopt)(handle, option, value);
}

static inline CURLcode fn_curl_easy_getinfo_long(void *getinfo, CURL *handle, CURLINFO info, long *value) {
    return ((fn_curl_easy_getinfo_t)getinfo)(handle, info, value);
}

#endif
