#ifndef FIVETRAN_NOTIFY_CCURL_SHIM_H
#define FIVETRAN_NOTIFY_CCURL_SHIM_H

#include <curl/curl.h>

// Swift cannot call C variadic functions, and libcurl's option setters
// (curl_easy_setopt, curl_easy_getinfo) are variadic. These static inline
// functions give each argument type a fixed signature so Swift can call
// them; they compile to a direct call of the variadic function.

static inline CURLcode fn_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode fn_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode fn_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode fn_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode fn_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

typedef size_t (*fn_curl_data_callback)(char *buffer, size_t size, size_t count, void *userdata);

static inline CURLcode fn_curl_easy_setopt_callback(CURL *handle, CURLoption option, fn_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode fn_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif
