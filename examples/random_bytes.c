/* SPDX-License-Identifier: MIT */
/*
 * random_bytes: writes BYTES pseudo-random bytes (xorshift64*, a fixed seed,
 * every byte value present) to FILE.  The input of ring_pipe's test: CMake
 * cannot write a NUL byte, and a repeating pattern would hide a misplaced
 * block.  Not installed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    uint64_t state = 0x9E3779B97F4A7C15ull, left;
    FILE *out;
    if (argc != 3) {
        fputs("usage: random_bytes FILE BYTES\n", stderr);
        return 2;
    }
    if (!(out = fopen(argv[1], "wb"))) {
        perror(argv[1]);
        return 1;
    }
    for (left = strtoull(argv[2], NULL, 10); left > 0; left--) {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        putc((int)((state * 0x2545F4914F6CDD1Dull) >> 56), out);
    }
    return fclose(out) == 0 ? 0 : 1;
}
