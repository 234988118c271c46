/* Double-precision n-body integration (5 bodies, pairwise gravity):
 * f64 multiplies, adds, divisions and square roots on values held in
 * memory, the floating-point work of physics and sensor-fusion code.
 * wasm has no fused multiply-add, so every runtime computes the same
 * bits. */
#include "bench.h"

#define NB 5
static double px[NB], py[NB], pz[NB], vx[NB], vy[NB], vz[NB], m[NB];

static void init(void)
{
    /* a heavy central body and four lighter ones on rough orbits */
    static const double p0[NB][3] = {
        {0, 0, 0}, {4.84, -1.16, -0.10}, {8.34, 4.12, -0.40},
        {12.89, -15.11, -0.22}, {15.37, -25.91, 0.17}};
    static const double v0[NB][3] = {
        {0, 0, 0}, {0.606, 2.81, -0.025}, {-1.01, 1.82, 0.008},
        {1.08, 0.868, -0.010}, {0.979, 0.594, -0.034}};
    static const double m0[NB] = {39.47, 0.0377, 0.0113, 0.00172, 0.00203};
    int i;

    for (i = 0; i < NB; i++) {
        px[i] = p0[i][0];
        py[i] = p0[i][1];
        pz[i] = p0[i][2];
        vx[i] = v0[i][0];
        vy[i] = v0[i][1];
        vz[i] = v0[i][2];
        m[i] = m0[i];
    }
}

static void advance(double dt)
{
    int i, j;

    for (i = 0; i < NB; i++)
        for (j = i + 1; j < NB; j++) {
            double dx = px[i] - px[j], dy = py[i] - py[j], dz = pz[i] - pz[j];
            double d2 = dx * dx + dy * dy + dz * dz;
            double mag = dt / (d2 * __builtin_sqrt(d2));
            vx[i] -= dx * m[j] * mag;
            vy[i] -= dy * m[j] * mag;
            vz[i] -= dz * m[j] * mag;
            vx[j] += dx * m[i] * mag;
            vy[j] += dy * m[i] * mag;
            vz[j] += dz * m[i] * mag;
        }
    for (i = 0; i < NB; i++) {
        px[i] += dt * vx[i];
        py[i] += dt * vy[i];
        pz[i] += dt * vz[i];
    }
}

static double energy(void)
{
    double e = 0.0;
    int i, j;

    for (i = 0; i < NB; i++) {
        e += 0.5 * m[i] * (vx[i] * vx[i] + vy[i] * vy[i] + vz[i] * vz[i]);
        for (j = i + 1; j < NB; j++) {
            double dx = px[i] - px[j], dy = py[i] - py[j], dz = pz[i] - pz[j];
            e -= m[i] * m[j] / __builtin_sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static uint32_t fold(double d)
{
    union { double d; uint64_t u; } v;
    v.d = d;
    return (uint32_t)v.u ^ (uint32_t)(v.u >> 32);
}

/* n: hundreds of steps; returns a checksum of the energy and positions. */
EXPORT("run") uint32_t run(int32_t n)
{
    int32_t k, steps = n * 100;
    uint32_t h;

    init();
    h = fold(energy());
    for (k = 0; k < steps; k++)
        advance(0.01);
    h = mix(h, fold(energy()));
    for (k = 0; k < NB; k++)
        h = mix(h, fold(px[k]) ^ fold(vy[k]));
    return h;
}
