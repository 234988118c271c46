/* wamr-mpy app framework: requests, responses and URL helpers shared by the
 * app library (WAMR's shared_utils.h API). */
#ifndef WAMR_MPY_FW_SHARED_UTILS_H
#define WAMR_MPY_FW_SHARED_UTILS_H

#include "bh_platform.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FMT_ATTR_CONTAINER 99
#define FMT_APP_RAW_BINARY 98

typedef struct request {
    uint32 mid;             /* message id */
    char *url;
    int action;             /* COAP_GET, COAP_PUT, ... */
    int fmt;                /* payload format */
    void *payload;
    int payload_len;
    unsigned long sender;   /* set by the runtime */
} request_t;

typedef struct response {
    uint32 mid;             /* the request's mid */
    int status;             /* coap_status_t */
    int fmt;
    void *payload;
    int payload_len;
    unsigned long reciever; /* (sic, WAMR's spelling) the request's sender */
} response_t;

/* 0 when `url` does not start with the path `leading_str`, else the offset
 * of what follows it: "/abc" matches "/abc", "/abc/x", "/abc?q" but not
 * "/abcd"; a leading '/' on either side does not matter. */
int check_url_start(const char *url, int url_len, const char *leading_str);
/* Patterns: "/a" matches "/a"; "/a/" matches "/a" and "/a/..."; "/a*"
 * anything starting with "/a"; "/a/" followed by "*" anything under "/a/". */
bool match_url(char *pattern, char *matched);
/* value of `key` in "k1=v1<delimiter>k2=v2" copied into value (value_len
 * bytes including the NUL); NULL when absent */
char *find_key_value(char *buffer, int buffer_len, char *key, char *value,
                     int value_len, char delimiter);

response_t *set_response(response_t *response, int status, int fmt,
                         const char *payload, int payload_len);
response_t *make_response_for_request(request_t *request,
                                      response_t *response);
request_t *init_request(request_t *request, char *url, int action, int fmt,
                        void *payload, int payload_len);

/* Wire form (big-endian header, see docs/app-framework.md).  pack_* return
 * a malloc'ed packet (free it with free_req_resp_packet); unpack_* point
 * the struct into the packet and return NULL when it is malformed. */
char *pack_request(request_t *request, int *size);
request_t *unpack_request(char *packet, int size, request_t *request);
char *pack_response(response_t *response, int *size);
response_t *unpack_response(char *packet, int size, response_t *response);
void free_req_resp_packet(char *packet);

#ifdef __cplusplus
}
#endif

#endif
