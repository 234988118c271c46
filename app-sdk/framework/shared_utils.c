/* wamr-mpy app framework: request/response packets and URL helpers.
 *
 * Packed request (big-endian): version 1 | action u8 | fmt u16 | mid u32 |
 * sender u32 | url_len u16 (with the NUL) | payload_len u32 | url NUL |
 * payload.  Packed response: version 1 | status u8 | fmt u16 | mid u32 |
 * receiver u32 | payload_len u32 | payload. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm_app.h"

#define PACKET_VERSION 1
#define REQ_FIXED 18
#define RESP_FIXED 16

static void put16(char *p, uint32_t v)
{
    p[0] = (char)(v >> 8);
    p[1] = (char)v;
}

static void put32(char *p, uint32_t v)
{
    p[0] = (char)(v >> 24);
    p[1] = (char)(v >> 16);
    p[2] = (char)(v >> 8);
    p[3] = (char)v;
}

static uint32_t get16(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return ((uint32_t)u[0] << 8) | u[1];
}

static uint32_t get32(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return ((uint32_t)u[0] << 24) | ((uint32_t)u[1] << 16)
           | ((uint32_t)u[2] << 8) | u[3];
}

char *pack_request(request_t *request, int *size)
{
    int url_len = (int)strlen(request->url) + 1;
    int plen = request->payload_len > 0 ? request->payload_len : 0;
    int len = REQ_FIXED + url_len + plen;
    char *p = (char *)malloc(len);

    if (!p)
        return NULL;
    p[0] = PACKET_VERSION;
    p[1] = (char)request->action;
    put16(p + 2, (uint32_t)request->fmt);
    put32(p + 4, request->mid);
    put32(p + 8, (uint32_t)request->sender);
    put16(p + 12, (uint32_t)url_len);
    put32(p + 14, (uint32_t)plen);
    memcpy(p + REQ_FIXED, request->url, url_len);
    if (plen)
        memcpy(p + REQ_FIXED + url_len, request->payload, plen);
    *size = len;
    return p;
}

request_t *unpack_request(char *packet, int size, request_t *request)
{
    uint32_t url_len, plen;

    if (size < REQ_FIXED || packet[0] != PACKET_VERSION)
        return NULL;
    url_len = get16(packet + 12);
    plen = get32(packet + 14);
    if (url_len == 0 || plen > (uint32_t)size
        || (uint32_t)size != REQ_FIXED + url_len + plen)
        return NULL;
    if (packet[REQ_FIXED + url_len - 1] != '\0')
        return NULL;
    request->action = (unsigned char)packet[1];
    request->fmt = (int)get16(packet + 2);
    request->mid = get32(packet + 4);
    request->sender = get32(packet + 8);
    request->url = packet + REQ_FIXED;
    request->payload_len = (int)plen;
    request->payload = plen ? packet + REQ_FIXED + url_len : NULL;
    return request;
}

char *pack_response(response_t *response, int *size)
{
    int plen = response->payload_len > 0 ? response->payload_len : 0;
    int len = RESP_FIXED + plen;
    char *p = (char *)malloc(len);

    if (!p)
        return NULL;
    p[0] = PACKET_VERSION;
    p[1] = (char)response->status;
    put16(p + 2, (uint32_t)response->fmt);
    put32(p + 4, response->mid);
    put32(p + 8, (uint32_t)response->reciever);
    put32(p + 12, (uint32_t)plen);
    if (plen)
        memcpy(p + RESP_FIXED, response->payload, plen);
    *size = len;
    return p;
}

response_t *unpack_response(char *packet, int size, response_t *response)
{
    uint32_t plen;

    if (size < RESP_FIXED || packet[0] != PACKET_VERSION)
        return NULL;
    plen = get32(packet + 12);
    if (plen > (uint32_t)size || (uint32_t)size != RESP_FIXED + plen)
        return NULL;
    response->status = (unsigned char)packet[1];
    response->fmt = (int)get16(packet + 2);
    response->mid = get32(packet + 4);
    response->reciever = get32(packet + 8);
    response->payload_len = (int)plen;
    response->payload = plen ? packet + RESP_FIXED : NULL;
    return response;
}

void free_req_resp_packet(char *packet)
{
    free(packet);
}

response_t *set_response(response_t *response, int status, int fmt,
                         const char *payload, int payload_len)
{
    response->status = status;
    response->fmt = fmt;
    response->payload = (void *)payload;
    response->payload_len = payload_len;
    return response;
}

response_t *make_response_for_request(request_t *request,
                                      response_t *response)
{
    response->mid = request->mid;
    response->reciever = request->sender;
    return response;
}

request_t *init_request(request_t *request, char *url, int action, int fmt,
                        void *payload, int payload_len)
{
    static uint32 next_mid = 0;

    request->url = url;
    request->action = action;
    request->fmt = fmt;
    request->payload = payload;
    request->payload_len = payload_len;
    request->mid = ++next_mid;
    request->sender = 0;
    return request;
}

int check_url_start(const char *url, int url_len, const char *leading_str)
{
    int off = 0, n;

    if (*leading_str == '/')
        leading_str++;
    if (url_len > 0 && *url == '/') {
        url++;
        url_len--;
        off = 1;
    }
    n = (int)strlen(leading_str);
    if (n > 0 && leading_str[n - 1] == '/')
        n--;
    if (n == 0 || url_len < n || memcmp(url, leading_str, n) != 0)
        return 0;
    if (url_len == n)
        return off + n;
    if (url[n] != '/' && url[n] != '?')
        return 0;
    return off + n + 1;
}

bool match_url(char *pattern, char *matched)
{
    int plen, mlen;

    if (*pattern == '/')
        pattern++;
    if (*matched == '/')
        matched++;
    mlen = (int)strlen(matched);
    if (mlen > 0 && matched[mlen - 1] == '/')
        mlen--;
    plen = (int)strlen(pattern);
    if (mlen == 0 || plen == 0)
        return false;
    if (pattern[plen - 1] == '/') {
        plen--;
        if (plen > mlen || strncmp(pattern, matched, plen) != 0)
            return false;
        return mlen == plen || matched[plen] == '/';
    }
    if (pattern[plen - 1] == '*')
        return strncmp(pattern, matched, plen - 1) == 0;
    return plen == mlen && strncmp(pattern, matched, plen) == 0;
}

char *find_key_value(char *buffer, int buffer_len, char *key, char *value,
                     int value_len, char delimiter)
{
    int klen = (int)strlen(key), i = 0;

    while (i < buffer_len && buffer[i]) {
        int start, j = 0;

        while (i < buffer_len && (buffer[i] == ' ' || buffer[i] == delimiter))
            i++;
        start = i;
        while (i < buffer_len && buffer[i] && buffer[i] != delimiter)
            i++;
        /* buffer[start, i) is one key=value item */
        if (i - start > klen && buffer[start + klen] == '='
            && strncmp(buffer + start, key, klen) == 0) {
            int vs = start + klen + 1;
            if (value_len <= 0)
                return NULL;
            memset(value, 0, value_len);
            while (vs + j < i && j < value_len - 1) {
                value[j] = buffer[vs + j];
                j++;
            }
            return value;
        }
    }
    return NULL;
}
