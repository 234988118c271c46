/* The seed's vendor-extension app: it calls a native API that the board
 * vendor added to the runtime. */
#include <stdio.h>
#include "lib-export-dec.h" /* provided by platform vendor */

int main(int argc, char **argv)
{
    int i;
    char *buf = "abcd";

    vendor_log(buf);
    i = customized(); /* customized API provided by platform vendor */
    printf("customized() returned %d\n", i);
    i = customized();
    printf("customized() returned %d\n", i);
    return 0;
}
