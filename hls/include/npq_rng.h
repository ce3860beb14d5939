// xoshiro128** streams seeded by splitmix64 (docs/spec.md §1).
#ifndef NPQ_RNG_H
#define NPQ_RNG_H

#include <stdint.h>
#include "npq_constants.h"

struct NpqRng {
    uint32_t s0, s1, s2, s3;
};

static inline uint64_t npq_splitmix_mix(uint64_t z) {
    z = (z ^ (z >> 30)) * NPQ_SPLITMIX_MIX1;
    z = (z ^ (z >> 27)) * NPQ_SPLITMIX_MIX2;
    return z ^ (z >> 31);
}

// State of stream `id` for the 64-bit run seed: splitmix64 outputs 2*id and 2*id+1.
// As npq_stream_seed.sv: one id * GAMMA product, the second counter is the first
// plus GAMMA, so a seeder is five 64-bit constant products (one DSP cascade each).
static inline NpqRng npq_seed_stream(uint64_t seed, uint32_t id) {
    const uint64_t odd = seed + (2 * (uint64_t)id + 1) * NPQ_SPLITMIX_GAMMA;
    const uint64_t a = npq_splitmix_mix(odd);
    const uint64_t b = npq_splitmix_mix(odd + NPQ_SPLITMIX_GAMMA);
    NpqRng s;
    s.s0 = (uint32_t)a;
    s.s1 = (uint32_t)(a >> 32);
    s.s2 = (uint32_t)b;
    s.s3 = (uint32_t)(b >> 32);
    if ((s.s0 | s.s1 | s.s2 | s.s3) == 0) s.s0 = 1;
    return s;
}

static inline uint32_t npq_rotl32(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

// One draw. The *5 and *9 of xoshiro128** are written as shift-and-add (as
// xoshiro_draw in npq_pkg.sv), so no DSP is inferred whatever the tool's defaults.
static inline uint32_t npq_next(NpqRng& s) {
    const uint32_t x5 = (s.s1 << 2) + s.s1;
    const uint32_t rot = npq_rotl32(x5, 7);
    const uint32_t r = (rot << 3) + rot;
    const uint32_t t = s.s1 << 9;
    s.s2 ^= s.s0;
    s.s3 ^= s.s1;
    s.s1 ^= s.s2;
    s.s0 ^= s.s3;
    s.s2 ^= t;
    s.s3 = npq_rotl32(s.s3, 11);
    return r;
}

#endif
