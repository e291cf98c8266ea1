#ifndef SUPPORTMARKET_CCURL_SHIM_H
#define SUPPORTMARKET_CCURL_SHIM_H

#include <curl/curl.h>
#include <sys/socket.h>

/// Typed wrappers over curl's variadic setters, which Swift cannot call directly.
static inline CURLcode cc_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cc_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cc_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cc_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
typedef size_t (*cc_write_callback)(char *data, size_t size, size_t count, void *userdata);
static inline CURLcode cc_easy_setopt_write_callback(CURL *handle, cc_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}
typedef size_t (*cc_read_callback)(char *buffer, size_t size, size_t count, void *userdata);
static inline CURLcode cc_easy_setopt_read_callback(CURL *handle, cc_read_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_READFUNCTION, callback);
}
static inline CURLcode cc_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode cc_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}

typedef curl_socket_t (*cc_opensocket_callback)(void *clientp, curlsocktype purpose, struct curl_sockaddr *address);
static inline CURLcode cc_easy_setopt_opensocket(CURL *handle, cc_opensocket_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, callback);
}
static inline CURLMcode cc_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}
/// The next finished transfer of `multi` and its result, or NULL when none has finished.
static inline CURL *cc_multi_next_done(CURLM *multi, CURLcode *result) {
    int queued = 0;
    CURLMsg *message;
    while ((message = curl_multi_info_read(multi, &queued)) != NULL) {
        if (message->msg == CURLMSG_DONE) {
            *result = message->data.result;
            return message->easy_handle;
        }
    }
    return NULL;
}
/// The socket curl asked for, opened as it asked; the caller has checked the address.
static inline curl_socket_t cc_open_socket(struct curl_sockaddr *address) {
    return socket(address->family, address->socktype, address->protocol);
}
static inline const struct sockaddr *cc_sockaddr(struct curl_sockaddr *address) { return &address->addr; }

#endif
