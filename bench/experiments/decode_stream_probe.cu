// A probe, not part of Hypatia: the linear layers of a decode step (16 rows,
// LLaMA-7B's MLP widths, bf16) as weight-streaming kernels written by hand,
// against cuBLASLt and against reading the weights alone, to choose the shape
// of the kernel a Hypatia pass generates for linear layers of few rows.
//
// The kernel: a block owns 8 * NT output features (NT n-tiles of mma.sync
// m16n8k16, the 16 rows of x as the A operand) and its WARPS warps split K.
// Each thread loads 16 bytes of a weight row per n-tile and k-step of 32: a
// thread (g, t) of the mma fragments reads row g of the n-tile at k-offset 8t.
// A layer's sum over k does not depend on the order of k, so the same 16
// bytes of x rows g and g + 8 are the A fragments of the two k16 mma that
// consume it: every operand arrives as one 16-byte load, no shuffles. Loads
// of U k-steps are issued before the mma of the U before them (registers
// double-buffered). Partial sums meet in shared memory; one pass adds them,
// applies the epilogue (none, or silu(gate) * up with two weights), rounds
// and stores.
//
// Build: nvcc -O3 -std=c++17 -gencode=arch=compute_90a,code=sm_90a
//        decode_stream_probe.cu -o probe -lcublasLt
#include <cublasLt.h>
#include <cuda_bf16.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#define CHECK(x)                                                               \
  do {                                                                         \
    cudaError_t e = (x);                                                       \
    if (e != cudaSuccess) {                                                    \
      printf("CUDA error %s at %d\n", cudaGetErrorString(e), __LINE__);        \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

constexpr int M = 16;

__device__ inline void mma(float (&d)[4], uint32_t a0, uint32_t a1,
                           uint32_t a2, uint32_t a3, uint32_t b0,
                           uint32_t b1) {
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
               "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
               : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}

__device__ inline uint4 loadStream(const void *p) {
  uint4 v;
  asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0,%1,%2,%3}, [%4];"
               : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
               : "l"(p));
  return v;
}

// y[M, N] = x[M, K] w[N, K]^T; GATED: y = silu(x wg^T) * (x wu^T), where the
// block's NT n-tiles are NT/2 of wg and the same NT/2 of wu.
template <int NT, int WARPS, int U, bool GATED>
__global__ void __launch_bounds__(WARPS * 32)
    stream(const __nv_bfloat16 *__restrict__ x,
           const __nv_bfloat16 *__restrict__ w,
           const __nv_bfloat16 *__restrict__ w2, __nv_bfloat16 *y, int N,
           int K) {
  constexpr int FEATURES = GATED ? 8 * NT / 2 : 8 * NT;
  __shared__ float partial[WARPS][NT][32][4];
  int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  int g = lane / 4, t = lane % 4;
  int n0 = blockIdx.x * FEATURES;
  // Warp w takes k-steps of 32 [w S / WARPS, (w + 1) S / WARPS), S = K / 32.
  int totalSteps = K / 32;
  int kBegin = 32 * (warp * totalSteps / WARPS);
  int warpSteps = (warp + 1) * totalSteps / WARPS - warp * totalSteps / WARPS;
  const __nv_bfloat16 *rows[NT];
  for (int j = 0; j < NT; ++j) {
    if (GATED)
      rows[j] = (j < NT / 2 ? w : w2) + (size_t)(n0 + (j % (NT / 2)) * 8 + g) * K;
    else
      rows[j] = w + (size_t)(n0 + j * 8 + g) * K;
  }
  const __nv_bfloat16 *x0 = x + (size_t)g * K, *x1 = x + (size_t)(g + 8) * K;
  float acc[NT][4] = {};
  uint4 wb[2][U][NT];
  auto load = [&](int buf, int k) {
#pragma unroll
    for (int u = 0; u < U; ++u)
#pragma unroll
      for (int j = 0; j < NT; ++j)
        wb[buf][u][j] = loadStream(rows[j] + k + 32 * u + 8 * t);
  };
  auto multiply = [&](int buf, int k, int count) {
#pragma unroll
    for (int u = 0; u < U; ++u) {
      if (u >= count)
        break;
      uint4 a = *(const uint4 *)(x0 + k + 32 * u + 8 * t);
      uint4 c = *(const uint4 *)(x1 + k + 32 * u + 8 * t);
#pragma unroll
      for (int j = 0; j < NT; ++j) {
        uint4 b = wb[buf][u][j];
        mma(acc[j], a.x, c.x, a.y, c.y, b.x, b.y);
        mma(acc[j], a.z, c.z, a.w, c.w, b.z, b.w);
      }
    }
  };
  int batches = warpSteps / U;
  if (batches > 0)
    load(0, kBegin);
  // Two batches per iteration, so that the buffers are named by constants
  // (registers, not local memory).
  int s = 0;
  for (; s + 2 <= batches; s += 2) {
    int k = kBegin + s * 32 * U;
    load(1, k + 32 * U);
    multiply(0, k, U);
    if (s + 2 < batches)
      load(0, k + 64 * U);
    multiply(1, k + 32 * U, U);
  }
  if (s < batches)
    multiply(0, kBegin + s * 32 * U, U);
  // The last warpSteps % U steps, one at a time.
  for (int s = batches * U; s < warpSteps; ++s) {
    int k = kBegin + 32 * s;
#pragma unroll
    for (int j = 0; j < NT; ++j)
      wb[0][0][j] = loadStream(rows[j] + k + 8 * t);
    multiply(0, k, 1);
  }
  for (int j = 0; j < NT; ++j)
    for (int i = 0; i < 4; ++i)
      partial[warp][j][lane][i] = acc[j][i];
  __syncthreads();
  // One thread per (row, feature) of the block sums the warps.
  for (int e = threadIdx.x; e < M * FEATURES; e += WARPS * 32) {
    int row = e / FEATURES, f = e % FEATURES;
    auto at = [&](int tile, int feature) {
      // accumulator element (row, column c of n-tile): lane 4*(row%8) + c/2,
      // index (row/8)*2 + c%2.
      int c = feature % 8;
      int l = 4 * (row % 8) + c / 2, i = (row / 8) * 2 + c % 2;
      float s = 0;
      for (int v = 0; v < WARPS; ++v)
        s += partial[v][tile][l][i];
      return s;
    };
    float value;
    if (GATED) {
      float gate = at(f / 8, f), up = at(NT / 2 + f / 8, f);
      value = gate / (1.f + __expf(-gate)) * up;
    } else {
      value = at(f / 8, f);
    }
    y[(size_t)row * N + n0 + f] = __float2bfloat16(value);
  }
}

__global__ void readAll(const uint4 *p, size_t n, unsigned *sink) {
  uint32_t s = 0;
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
       i += (size_t)gridDim.x * blockDim.x) {
    uint4 v = loadStream(p + i);
    s ^= v.x ^ v.y ^ v.z ^ v.w;
  }
  if (s == 0x12345678)
    *sink = s;
}

template <class F> float timeIt(F f) {
  cudaEvent_t a, b;
  cudaEventCreate(&a);
  cudaEventCreate(&b);
  for (int i = 0; i < 3; ++i)
    f();
  std::vector<float> ts;
  for (int r = 0; r < 7; ++r) {
    cudaEventRecord(a);
    for (int i = 0; i < 20; ++i)
      f();
    cudaEventRecord(b);
    cudaEventSynchronize(b);
    float ms;
    cudaEventElapsedTime(&ms, a, b);
    ts.push_back(ms / 20);
  }
  std::sort(ts.begin(), ts.end());
  CHECK(cudaGetLastError());
  return ts[3];
}

static std::vector<__nv_bfloat16> random(size_t n, float scale, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> d(-scale, scale);
  std::vector<__nv_bfloat16> v(n);
  for (auto &e : v)
    e = __float2bfloat16(d(gen));
  return v;
}

static __nv_bfloat16 *upload(const std::vector<__nv_bfloat16> &v) {
  __nv_bfloat16 *p;
  CHECK(cudaMalloc(&p, v.size() * 2));
  CHECK(cudaMemcpy(p, v.data(), v.size() * 2, cudaMemcpyHostToDevice));
  return p;
}

// The max |error| over max |reference| of y against float64 (rows 0, 7, 15
// and every 97th feature, to stay quick).
static double check(const __nv_bfloat16 *dy, const std::vector<__nv_bfloat16> &x,
                    const std::vector<__nv_bfloat16> &w,
                    const std::vector<__nv_bfloat16> *w2, int N, int K) {
  std::vector<__nv_bfloat16> y((size_t)M * N);
  CHECK(cudaMemcpy(y.data(), dy, y.size() * 2, cudaMemcpyDeviceToHost));
  double err = 0, ref = 0;
  for (int m : {0, 7, 15})
    for (int n = 0; n < N; n += 97) {
      double s = 0, s2 = 0;
      for (int k = 0; k < K; ++k) {
        double xv = __bfloat162float(x[(size_t)m * K + k]);
        s += xv * __bfloat162float(w[(size_t)n * K + k]);
        if (w2)
          s2 += xv * __bfloat162float((*w2)[(size_t)n * K + k]);
      }
      if (w2)
        s = s / (1 + std::exp(-s)) * s2;
      err = std::max(err, std::fabs(s - __bfloat162float(y[(size_t)m * N + n])));
      ref = std::max(ref, std::fabs(s));
    }
  return err / ref;
}

struct Problem {
  int N, K;
  std::vector<__nv_bfloat16> x, w, w2;
  __nv_bfloat16 *dx, *dw, *dw2, *dy;
};

template <int NT, int WARPS, int U, bool GATED>
static void runStream(Problem &p) {
  constexpr int features = GATED ? 8 * NT / 2 : 8 * NT;
  if (p.N % features || p.K % 32) {
    printf("  NT=%d warps=%d U=%d: shape not divisible, skipped\n", NT, WARPS, U);
    return;
  }
  CHECK(cudaMemset(p.dy, 0xFF, (size_t)M * p.N * 2));
  auto f = [&] {
    stream<NT, WARPS, U, GATED><<<p.N / features, WARPS * 32>>>(
        p.dx, p.dw, p.dw2, p.dy, p.N, p.K);
  };
  float ms = timeIt(f);
  double bytes = (double)p.N * p.K * 2 * (GATED ? 2 : 1);
  printf("  stream NT=%d warps=%d U=%d: %.4f ms  %.2f TB/s  rel.err %.1e\n",
         NT, WARPS, U, ms, bytes / ms / 1e9,
         check(p.dy, p.x, p.w, GATED ? &p.w2 : nullptr, p.N, p.K));
}

static float cublas(cublasLtHandle_t lt, const __nv_bfloat16 *w,
                    const __nv_bfloat16 *x, __nv_bfloat16 *y, int N, int K,
                    int rows = M, bool verbose = true) {
  cublasLtMatmulDesc_t desc;
  cublasLtMatmulDescCreate(&desc, CUBLAS_COMPUTE_32F, CUDA_R_32F);
  cublasOperation_t tA = CUBLAS_OP_T, tB = CUBLAS_OP_N;
  cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &tA, sizeof tA);
  cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB, &tB, sizeof tB);
  cublasLtMatrixLayout_t la, lb, lc;
  cublasLtMatrixLayoutCreate(&la, CUDA_R_16BF, K, N, K);
  cublasLtMatrixLayoutCreate(&lb, CUDA_R_16BF, K, rows, K);
  cublasLtMatrixLayoutCreate(&lc, CUDA_R_16BF, N, rows, N);
  size_t wsSize = 32 << 20;
  void *ws;
  CHECK(cudaMalloc(&ws, wsSize));
  cublasLtMatmulPreference_t pref;
  cublasLtMatmulPreferenceCreate(&pref);
  cublasLtMatmulPreferenceSetAttribute(
      pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &wsSize, sizeof wsSize);
  cublasLtMatmulHeuristicResult_t heur[8];
  int found = 0;
  cublasLtMatmulAlgoGetHeuristic(lt, desc, la, lb, lc, lc, pref, 8, heur, &found);
  float one = 1, zero = 0, best = 1e9;
  for (int i = 0; i < found; ++i) {
    float ms = timeIt([&] {
      cublasLtMatmul(lt, desc, &one, w, la, x, lb, &zero, y, lc, y, lc,
                     &heur[i].algo, ws, wsSize, 0);
    });
    if (verbose)
      printf("  cublasLt heuristic #%d: %.4f ms\n", i, ms);
    best = std::min(best, ms);
  }
  cudaFree(ws);
  return best;
}

// Gate and up as two GEMMs, or as one of concatenated weights ([2H, K]),
// cuBLASLt's best of its first 8 heuristics each.
static void gateUpConcatenation(cublasLtHandle_t lt) {
  struct Case { int rows, K, H; const char *name; };
  for (Case c : {Case{16, 4096, 11008, "llama_7b decode"},
                 Case{2048, 4096, 11008, "llama_7b"},
                 Case{2048, 2048, 5632, "llama_1b"}}) {
    auto x = upload(random((size_t)c.rows * c.K, 1.f, 4));
    auto w = upload(random((size_t)2 * c.H * c.K, 1.f / std::sqrt((float)c.K), 5));
    __nv_bfloat16 *y;
    CHECK(cudaMalloc(&y, (size_t)c.rows * 2 * c.H * 2));
    float one = cublas(lt, w, x, y, c.H, c.K, c.rows, false);
    float both = cublas(lt, w, x, y, 2 * c.H, c.K, c.rows, false);
    printf("%s gate+up: two GEMMs %.4f ms, one concatenated %.4f ms (%.3fx)\n",
           c.name, 2 * one, both, both / (2 * one));
    cudaFree(x); cudaFree(w); cudaFree(y);
  }
}

int main() {
  cublasLtHandle_t lt;
  cublasLtCreate(&lt);
  unsigned *sink;
  CHECK(cudaMalloc(&sink, 4));
  gateUpConcatenation(lt);
  struct Shape { int N, K; bool gated; const char *name; };
  for (Shape s : {Shape{11008, 4096, false, "up (16 x 4096 -> 11008)"},
                  Shape{4096, 11008, false, "down (16 x 11008 -> 4096)"},
                  Shape{11008, 4096, true, "silu(gate) * up, two weights"}}) {
    Problem p{s.N, s.K};
    p.x = random((size_t)M * s.K, 1.f, 1);
    p.w = random((size_t)s.N * s.K, 1.f / std::sqrt((float)s.K), 2);
    p.w2 = random((size_t)s.N * s.K, 1.f / std::sqrt((float)s.K), 3);
    p.dx = upload(p.x);
    p.dw = upload(p.w);
    p.dw2 = upload(p.w2);
    CHECK(cudaMalloc(&p.dy, (size_t)M * s.N * 2));
    double bytes = (double)s.N * s.K * 2 * (s.gated ? 2 : 1);
    printf("%s: %.1f MB of weights\n", s.name, bytes / 1e6);
    float read = timeIt([&] {
      readAll<<<132 * 8, 512>>>((const uint4 *)p.dw, (size_t)s.N * s.K / 8, sink);
    });
    printf("  read the weight alone: %.4f ms  %.2f TB/s\n", read,
           (double)s.N * s.K * 2 / read / 1e9);
    if (!s.gated) {
      float c = cublas(lt, p.dw, p.dx, p.dy, s.N, s.K);
      printf("  cublasLt best: %.4f ms  %.2f TB/s\n", c, bytes / c / 1e9);
      runStream<1, 4, 4, false>(p);
      runStream<1, 4, 8, false>(p);
      runStream<1, 8, 4, false>(p);
      runStream<1, 8, 2, false>(p);
      runStream<2, 4, 4, false>(p);
      runStream<2, 8, 2, false>(p);
      runStream<2, 8, 4, false>(p);
      runStream<4, 4, 2, false>(p);
      runStream<1, 16, 2, false>(p);
      runStream<1, 2, 8, false>(p);
    } else {
      runStream<2, 4, 4, true>(p);
      runStream<2, 8, 2, true>(p);
      runStream<2, 8, 4, true>(p);
      runStream<2, 4, 8, true>(p);
      runStream<4, 4, 2, true>(p);
      runStream<2, 16, 2, true>(p);
    }
    cudaFree(p.dx); cudaFree(p.dw); cudaFree(p.dw2); cudaFree(p.dy);
  }
  return 0;
}
