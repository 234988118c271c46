/* Table-driven CRC-32 (IEEE, reflected) over a pseudo-random buffer. */
#include "bench.h"

#define BUF_SIZE 4096
static uint32_t table[256];
static uint8_t buf[BUF_SIZE];

static void init(void)
{
    uint32_t i, k, c, seed = 12345;

    for (i = 0; i < 256; i++) {
        c = i;
        for (k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    for (i = 0; i < BUF_SIZE; i++)
        buf[i] = (uint8_t)(lcg_next(&seed) >> 24);
}

/* n: passes over the 4 KiB buffer; the CRC runs on across passes, so the
 * result is the CRC-32 of the buffer repeated n times. */
EXPORT("run") uint32_t run(int32_t n)
{
    uint32_t crc = 0xffffffffu;
    int32_t pass, i;

    init();
    for (pass = 0; pass < n; pass++)
        for (i = 0; i < BUF_SIZE; i++)
            crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
    return crc ^ 0xffffffffu;
}
