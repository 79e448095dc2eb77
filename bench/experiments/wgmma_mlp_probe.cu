// A probe, not part of Hypatia: the narrow MLP (64 -> 64 x8 ReLU -> 16, bf16)
// written by hand with wgmma (A from registers, B = weights in shared memory,
// no-swizzle K-major core matrices), to settle the descriptor layout and the
// block shape before MLPKernelToGPU emits the same instructions.
// Build: nvcc -O3 -std=c++17 -gencode=arch=compute_90a,code=sm_90a
#include <cuda_bf16.h>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <vector>
#include <cmath>
#include <random>
#include <algorithm>
#include <cstring>

#define CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { \
  printf("CUDA error %s at %d\n", cudaGetErrorString(e), __LINE__); exit(1);} } while (0)

constexpr int K0 = 64, H = 64, OUT = 16, HIDDEN_LAYERS = 8, LAYERS = 9;

__host__ __device__ inline int layerK(int) { return 64; }
__host__ __device__ inline int layerN(int l) { return l == LAYERS - 1 ? OUT : H; }

// Shared layout per layer: weight [N][K] as core matrices of 8 rows x 8 k
// (128 bytes), core (i, j) at (i * K/8 + j) * 128; then bias f32 [N].
__host__ __device__ inline int layerBytes(int l) { return layerN(l) * layerK(l) * 2 + layerN(l) * 4; }

__device__ inline uint64_t descriptor(uint32_t address, uint32_t lbo, uint32_t sbo) {
  uint64_t d = 0;
  d |= (uint64_t)((address & 0x3FFFF) >> 4);
  d |= (uint64_t)((lbo & 0x3FFFF) >> 4) << 16;
  d |= (uint64_t)((sbo & 0x3FFFF) >> 4) << 32;
  return d;  // swizzle 0, base offset 0
}

__device__ inline uint32_t pack(float lo, float hi) {
  uint32_t r;
  asm("cvt.rn.relu.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
  return r;
}
__device__ inline uint32_t packPlain(float lo, float hi) {
  uint32_t r;
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
  return r;
}

#define ACC32(i) "+f"(d[i])
__device__ inline void wgmma64(float *d, const uint32_t *a, uint64_t desc) {
  asm volatile(
      "wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 "
      "{%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,"
      "%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%27,%28,%29,%30,%31},"
      "{%32,%33,%34,%35}, %36, 1, 1, 1, 0;\n"
      : ACC32(0), ACC32(1), ACC32(2), ACC32(3), ACC32(4), ACC32(5), ACC32(6), ACC32(7),
        ACC32(8), ACC32(9), ACC32(10), ACC32(11), ACC32(12), ACC32(13), ACC32(14), ACC32(15),
        ACC32(16), ACC32(17), ACC32(18), ACC32(19), ACC32(20), ACC32(21), ACC32(22), ACC32(23),
        ACC32(24), ACC32(25), ACC32(26), ACC32(27), ACC32(28), ACC32(29), ACC32(30), ACC32(31)
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(desc));
}
__device__ inline void wgmma16(float *d, const uint32_t *a, uint64_t desc) {
  asm volatile(
      "wgmma.mma_async.sync.aligned.m64n16k16.f32.bf16.bf16 "
      "{%0,%1,%2,%3,%4,%5,%6,%7}, {%8,%9,%10,%11}, %12, 1, 1, 1, 0;\n"
      : ACC32(0), ACC32(1), ACC32(2), ACC32(3), ACC32(4), ACC32(5), ACC32(6), ACC32(7)
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(desc));
}
__device__ inline void fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ inline void commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
template <int N> __device__ inline void wait() { asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory"); }
template <int R> __device__ inline void fenceOperands(float *d) {
#pragma unroll
  for (int i = 0; i < R; ++i) asm volatile("" : "+f"(d[i])::"memory");
}

// x: [rows][64] bf16, weights staged by the host already permuted/layouted
// into one blob (the shared image), y: [rows][16] bf16.
template <int WGS, int TILES, bool SWAP>
__global__ void __launch_bounds__(128 * WGS, 1)
mlp(const __nv_bfloat16 *__restrict__ x, const uint8_t *__restrict__ image, int imageBytes,
    __nv_bfloat16 *__restrict__ y, int rows) {
  extern __shared__ __align__(1024) uint8_t smem[];
  for (int i = threadIdx.x * 16; i < imageBytes; i += blockDim.x * 16)
    *(uint4 *)(smem + i) = *(const uint4 *)(image + i);
  asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
  __syncthreads();
  const int wg = threadIdx.x / 128, warp = (threadIdx.x / 32) % 4, lane = threadIdx.x % 32;
  const int g = lane / 4, t = lane % 4;
  const uint32_t base = (uint32_t)__cvta_generic_to_shared(smem);
  const int numTiles = (rows + 64 * TILES - 1) / (64 * TILES);
  for (int tile = blockIdx.x * WGS + wg; tile < numTiles; tile += gridDim.x * WGS) {
    uint32_t a[TILES][4][4];
#pragma unroll
    for (int s = 0; s < TILES; ++s) {
      int r0 = min((tile * TILES + s) * 64 + warp * 16 + g, rows - 1);
      int r1 = min(r0 + 8, rows - 1);
#pragma unroll
      for (int q = 0; q < 2; ++q) {
        uint4 u = *(const uint4 *)(x + (size_t)r0 * K0 + 32 * q + 8 * t);
        uint4 v = *(const uint4 *)(x + (size_t)r1 * K0 + 32 * q + 8 * t);
        // element 4j + s of the vector is slot s of k-tile 2q + j
        a[s][2 * q][0] = u.x; a[s][2 * q][1] = v.x; a[s][2 * q][2] = u.y; a[s][2 * q][3] = v.y;
        a[s][2 * q + 1][0] = u.z; a[s][2 * q + 1][1] = v.z; a[s][2 * q + 1][2] = u.w; a[s][2 * q + 1][3] = v.w;
      }
    }
    uint32_t offset = 0;
#pragma unroll
    for (int l = 0; l < HIDDEN_LAYERS; ++l) {
      const float *bias = (const float *)(smem + offset + H * 64 * 2);
      float d[TILES][32];
#pragma unroll
      for (int s = 0; s < TILES; ++s)
#pragma unroll
        for (int j = 0; j < 8; ++j) {
          float2 bb = *(const float2 *)(bias + 8 * j + 2 * t);
          d[s][4 * j] = bb.x; d[s][4 * j + 1] = bb.y; d[s][4 * j + 2] = bb.x; d[s][4 * j + 3] = bb.y;
        }
#pragma unroll
      for (int s = 0; s < TILES; ++s) fenceOperands<32>(d[s]);
      fence();
#pragma unroll
      for (int s = 0; s < TILES; ++s)
#pragma unroll
        for (int kt = 0; kt < 4; ++kt) {
          uint32_t lbo = SWAP ? 8 * 128 : 128, sbo = SWAP ? 128 : 8 * 128;
          wgmma64(d[s], a[s][kt], descriptor(base + offset + kt * 256, lbo, sbo));
        }
      commit();
      wait<0>();
#pragma unroll
      for (int s = 0; s < TILES; ++s) fenceOperands<32>(d[s]);
#pragma unroll
      for (int s = 0; s < TILES; ++s)
#pragma unroll
        for (int kt = 0; kt < 4; ++kt) {
          a[s][kt][0] = pack(d[s][8 * kt], d[s][8 * kt + 1]);
          a[s][kt][1] = pack(d[s][8 * kt + 2], d[s][8 * kt + 3]);
          a[s][kt][2] = pack(d[s][8 * kt + 4], d[s][8 * kt + 5]);
          a[s][kt][3] = pack(d[s][8 * kt + 6], d[s][8 * kt + 7]);
        }
      offset += layerBytes(l);
    }
    const float *bias = (const float *)(smem + offset + OUT * 64 * 2);
    float d[TILES][8];
#pragma unroll
    for (int s = 0; s < TILES; ++s)
#pragma unroll
      for (int j = 0; j < 2; ++j) {
        float2 bb = *(const float2 *)(bias + 8 * j + 2 * t);
        d[s][4 * j] = bb.x; d[s][4 * j + 1] = bb.y; d[s][4 * j + 2] = bb.x; d[s][4 * j + 3] = bb.y;
      }
#pragma unroll
    for (int s = 0; s < TILES; ++s) fenceOperands<8>(d[s]);
    fence();
#pragma unroll
    for (int s = 0; s < TILES; ++s)
#pragma unroll
      for (int kt = 0; kt < 4; ++kt) {
        uint32_t lbo = SWAP ? 2 * 128 : 128, sbo = SWAP ? 128 : 8 * 128;
        wgmma16(d[s], a[s][kt], descriptor(base + offset + kt * 256, lbo, sbo));
      }
    commit();
    wait<0>();
#pragma unroll
    for (int s = 0; s < TILES; ++s) {
      fenceOperands<8>(d[s]);
      int r0 = (tile * TILES + s) * 64 + warp * 16 + g;
#pragma unroll
      for (int j = 0; j < 2; ++j) {
        if (r0 < rows) *(uint32_t *)(y + (size_t)r0 * OUT + 8 * j + 2 * t) = packPlain(d[s][4 * j], d[s][4 * j + 1]);
        if (r0 + 8 < rows) *(uint32_t *)(y + (size_t)(r0 + 8) * OUT + 8 * j + 2 * t) = packPlain(d[s][4 * j + 2], d[s][4 * j + 3]);
      }
    }
  }
}

static float bf(float v) { return __bfloat162float(__float2bfloat16(v)); }

int main(int argc, char **argv) {
  int rows = argc > 1 ? atoi(argv[1]) : 262144;
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> uni(-1.f, 1.f);
  std::vector<std::vector<float>> W(LAYERS), B(LAYERS);
  for (int l = 0; l < LAYERS; ++l) {
    float s = 1.f / sqrtf((float)layerK(l)) * 1.7f;
    W[l].resize(layerN(l) * layerK(l)); B[l].resize(layerN(l));
    for (auto &v : W[l]) v = bf(uni(rng) * s);
    for (auto &v : B[l]) v = bf(uni(rng) * 0.1f);
  }
  std::vector<float> X((size_t)rows * K0);
  for (auto &v : X) v = bf(uni(rng));
  // Shared image: per layer, the weight in core-matrix order (first layer's
  // k permuted as the register loads expect), then the bias.
  std::vector<uint8_t> image;
  for (int l = 0; l < LAYERS; ++l) {
    int N = layerN(l), K = layerK(l);
    std::vector<__nv_bfloat16> w(N * K);
    for (int n = 0; n < N; ++n)
      for (int p = 0; p < K; ++p) {
        int k = p;
        if (l == 0) {
          int kt = p / 16, c = p % 16, q = kt / 2, j = kt % 2;
          int thread = (c % 8) / 2, slot = (c / 8) * 2 + c % 2;
          k = 32 * q + 8 * thread + 4 * j + slot;
        }
        w[((n / 8) * (K / 8) + p / 8) * 64 + (n % 8) * 8 + p % 8] = __float2bfloat16(W[l][n * K + k]);
      }
    size_t at = image.size();
    image.resize(at + N * K * 2 + N * 4);
    memcpy(image.data() + at, w.data(), N * K * 2);
    memcpy(image.data() + at + N * K * 2, B[l].data(), N * 4);
  }
  // Reference in double with bf16 rounding between layers.
  std::vector<double> ref((size_t)rows * OUT);
  for (int r = 0; r < rows; ++r) {
    std::vector<double> h(X.begin() + (size_t)r * K0, X.begin() + (size_t)(r + 1) * K0);
    for (int l = 0; l < LAYERS; ++l) {
      std::vector<double> o(layerN(l));
      for (int n = 0; n < layerN(l); ++n) {
        double acc = B[l][n];
        for (int k = 0; k < layerK(l); ++k) acc += W[l][n * layerK(l) + k] * h[k];
        if (l < LAYERS - 1) acc = bf((float)std::max(acc, 0.0));
        o[n] = acc;
      }
      h = o;
    }
    for (int n = 0; n < OUT; ++n) ref[(size_t)r * OUT + n] = h[n];
  }
  std::vector<__nv_bfloat16> Xh(X.size());
  for (size_t i = 0; i < X.size(); ++i) Xh[i] = __float2bfloat16(X[i]);
  __nv_bfloat16 *dx, *dy; uint8_t *dimg;
  CHECK(cudaMalloc(&dx, Xh.size() * 2)); CHECK(cudaMalloc(&dy, (size_t)rows * OUT * 2));
  CHECK(cudaMalloc(&dimg, image.size()));
  CHECK(cudaMemcpy(dx, Xh.data(), Xh.size() * 2, cudaMemcpyHostToDevice));
  CHECK(cudaMemcpy(dimg, image.data(), image.size(), cudaMemcpyHostToDevice));
  int sms; CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  auto run = [&](auto kernel, int wgs, int tiles, const char *name) {
    CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)image.size()));
    int numTiles = (rows + 64 * tiles - 1) / (64 * tiles);
    int blocks = std::min((numTiles + wgs - 1) / wgs, sms);
    CHECK(cudaMemset(dy, 0xFF, (size_t)rows * OUT * 2));  // NaN poison
    kernel<<<blocks, 128 * wgs, image.size()>>>(dx, dimg, (int)image.size(), dy, rows);
    CHECK(cudaGetLastError()); CHECK(cudaDeviceSynchronize());
    std::vector<__nv_bfloat16> Y((size_t)rows * OUT);
    CHECK(cudaMemcpy(Y.data(), dy, Y.size() * 2, cudaMemcpyDeviceToHost));
    double maxErr = 0, maxRef = 0;
    for (size_t i = 0; i < Y.size(); ++i) {
      double v = __bfloat162float(Y[i]);
      double e = std::isnan(v) ? 1e30 : fabs(v - ref[i]);
      maxErr = std::max(maxErr, e); maxRef = std::max(maxRef, fabs(ref[i]));
    }
    cudaEvent_t e0, e1; cudaEventCreate(&e0); cudaEventCreate(&e1);
    std::vector<float> times;
    for (int rep = 0; rep < 7; ++rep) {
      cudaEventRecord(e0);
      for (int i = 0; i < 20; ++i) kernel<<<blocks, 128 * wgs, image.size()>>>(dx, dimg, (int)image.size(), dy, rows);
      cudaEventRecord(e1); CHECK(cudaEventSynchronize(e1));
      float ms; cudaEventElapsedTime(&ms, e0, e1); times.push_back(ms / 20);
    }
    std::sort(times.begin(), times.end());
    printf("%-28s rows %7d blocks %3d  rel.err %.2e  %.4f ms\n", name, rows, blocks, maxErr / maxRef, times[3]);
  };
  run(mlp<1, 1, true>, 1, 1, "swapped lbo/sbo wg1 t1");
  run(mlp<1, 1, false>, 1, 1, "wg1 t1");
  run(mlp<2, 1, false>, 2, 1, "wg2 t1");
  run(mlp<3, 1, false>, 3, 1, "wg3 t1");
  run(mlp<4, 1, false>, 4, 1, "wg4 t1");
  run(mlp<2, 2, false>, 2, 2, "wg2 t2");
  run(mlp<3, 2, false>, 3, 2, "wg3 t2");
  run(mlp<4, 2, false>, 4, 2, "wg4 t2");
  return 0;
}
