// A probe, not part of Hypatia: the suite's deep MLP (x 128 x 512 -> 512 x16
// ReLU -> 512, bf16: 17 GEMMs of 128 x 512 x 512) as ONE persistent kernel
// whose blocks take tiles in dependency order, against the cuBLASLt chain (bias
// and ReLU epilogues) in a CUDA graph, to learn whether a generated
// weight-streaming kernel can beat 17 library launches (issue 12 asks for
// <= 0.040 ms; the chain takes about 0.057).
//
// Why tiles in dependency order: a layer needs the whole previous layer's
// result for its rows, so blocks must wait for one another. A grid-wide
// barrier needs every block resident (a cooperative launch); instead a block
// takes the next tile (layer, 32-row block, 32-column block) from an atomic
// ticket, layer-major. Every tile a block waits for was taken earlier by a
// running block, which never waits for a later tile, so the kernel cannot
// deadlock whatever the residency. A finished tile adds one to its layer and
// row block's counter (release); a tile of the next layer waits for the 16
// column blocks of its rows (acquire). The weight tile is fetched before the
// wait: it does not depend on the previous layer.
//
// Activations alternate between two buffers: layer l + 1 writes rows that
// only layer l's tiles of the same rows read, and it starts after all of those
// have finished.
//
// Build: nvcc -O3 -std=c++17 -gencode=arch=compute_90a,code=sm_90a
//        deep_mlp_probe.cu -o probe -lcublasLt
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

constexpr int ROWS = 128, WIDTH = 512, LAYERS = 17;
constexpr int TILE = 32;                       // rows and columns of a tile
constexpr int ROW_BLOCKS = ROWS / TILE;        // 4
constexpr int COL_BLOCKS = WIDTH / TILE;       // 16
constexpr int TILES_PER_LAYER = ROW_BLOCKS * COL_BLOCKS;
constexpr int THREADS = 256;                   // 8 warps: 2 m x 2 n x 2 k
constexpr int STRIDE = WIDTH + 8;              // smem row, padded 16 bytes

struct Shared {
  __nv_bfloat16 a[TILE][STRIDE], w[TILE][STRIDE];
  float partial[4][32][8];  // the upper k half's accumulators, per (m, n) warp
  int item;
};

__device__ inline void mma(float (&d)[4], const uint32_t (&a)[4], uint32_t b0,
                           uint32_t b1) {
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
               "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

__device__ inline void ldmatrix4(uint32_t (&r)[4], const void *p) {
  uint32_t address = (uint32_t)__cvta_generic_to_shared(p);
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(address));
}

// ROWS_ rows x 512 columns of bf16 from global (row stride WIDTH) to shared,
// 16 bytes per cp.async, through L2 only (.cg: rows another block wrote are
// never served from a stale L1 line); one commit group.
template <int ROWS_>
__device__ inline void copyRows(__nv_bfloat16 (*dst)[STRIDE],
                                const __nv_bfloat16 *src) {
  for (int i = threadIdx.x; i < ROWS_ * WIDTH / 8; i += THREADS) {
    int row = i / (WIDTH / 8), col = (i % (WIDTH / 8)) * 8;
    uint32_t address = (uint32_t)__cvta_generic_to_shared(&dst[row][col]);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(address),
                 "l"(src + (size_t)row * WIDTH + col));
  }
  asm volatile("cp.async.commit_group;");
}

__global__ void __launch_bounds__(THREADS)
    deepMLP(const __nv_bfloat16 *x, const __nv_bfloat16 *weights,
            const __nv_bfloat16 *biases, __nv_bfloat16 *buffers,
            __nv_bfloat16 *y, int *counters, int *ticket) {
  extern __shared__ __align__(16) unsigned char raw[];
  Shared &s = *reinterpret_cast<Shared *>(raw);
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  int g = lane / 4, t = lane % 4;
  int wm = warp & 1, wn = (warp >> 1) & 1, wk = warp >> 2;
  for (;;) {
    if (threadIdx.x == 0)
      s.item = atomicAdd(ticket, 1);
    __syncthreads();
    int item = s.item;
    if (item >= LAYERS * TILES_PER_LAYER)
      return;
    int layer = item / TILES_PER_LAYER;
    int r = item % TILES_PER_LAYER / COL_BLOCKS, c = item % COL_BLOCKS;
    copyRows<TILE>(s.w, weights + ((size_t)layer * WIDTH + c * TILE) * WIDTH);
    const __nv_bfloat16 *in =
        layer == 0 ? x : buffers + (size_t)((layer - 1) & 1) * ROWS * WIDTH;
    if (layer > 0 && threadIdx.x == 0) {
      int *counter = &counters[(layer - 1) * ROW_BLOCKS + r];
      int seen;
      do {
        asm volatile("ld.acquire.gpu.global.b32 %0, [%1];"
                     : "=r"(seen)
                     : "l"(counter));
      } while (seen < COL_BLOCKS);
    }
    __syncthreads();
    copyRows<TILE>(s.a, in + (size_t)r * TILE * WIDTH);
    asm volatile("cp.async.wait_all;");
    __syncthreads();

    // Warp (wm, wn, wk): rows 16 wm, columns 16 wn (two n8 tiles), k half wk.
    float acc[2][4] = {};
    for (int k = wk * WIDTH / 2; k < (wk + 1) * WIDTH / 2; k += 16) {
      uint32_t a[4], b[4];
      ldmatrix4(a, &s.a[16 * wm + lane % 16][k + (lane / 16) * 8]);
      ldmatrix4(b, &s.w[16 * wn + (lane / 16) * 8 + lane % 8]
                       [k + ((lane / 8) % 2) * 8]);
      mma(acc[0], a, b[0], b[1]);
      mma(acc[1], a, b[2], b[3]);
    }
    int pair = wm * 2 + wn;
    if (wk == 1)
      for (int j = 0; j < 2; ++j)
        for (int i = 0; i < 4; ++i)
          s.partial[pair][lane][j * 4 + i] = acc[j][i];
    __syncthreads();
    if (wk == 0) {
      bool last = layer == LAYERS - 1;
      __nv_bfloat16 *out =
          last ? y : buffers + (size_t)(layer & 1) * ROWS * WIDTH;
      for (int j = 0; j < 2; ++j) {
        int col = c * TILE + 16 * wn + 8 * j + 2 * t;
        float b0 = __bfloat162float(biases[layer * WIDTH + col]);
        float b1 = __bfloat162float(biases[layer * WIDTH + col + 1]);
        for (int h = 0; h < 2; ++h) {
          float v0 = acc[j][2 * h] + s.partial[pair][lane][j * 4 + 2 * h] + b0;
          float v1 =
              acc[j][2 * h + 1] + s.partial[pair][lane][j * 4 + 2 * h + 1] + b1;
          if (!last) {
            v0 = fmaxf(v0, 0.f);
            v1 = fmaxf(v1, 0.f);
          }
          int row = r * TILE + 16 * wm + g + 8 * h;
          *reinterpret_cast<__nv_bfloat162 *>(&out[(size_t)row * WIDTH + col]) =
              __floats2bfloat162_rn(v0, v1);
        }
      }
    }
    // Every store before the count (release at gpu scope).
    __threadfence();
    __syncthreads();
    if (threadIdx.x == 0) {
      int *counter = &counters[layer * ROW_BLOCKS + r];
      asm volatile("red.release.gpu.global.add.s32 [%0], 1;" ::"l"(counter));
    }
  }
}

// Second design: a cluster of 8 blocks per 16 rows (Hopper's thread block
// clusters). Block j of a cluster computes columns [64 j, 64 j + 64) of every
// layer for the cluster's 16 rows; its slice of each layer's result stays in
// its shared memory, and after a cluster barrier every block gathers the
// whole 16 x 512 input of the next layer from the 8 slices through
// distributed shared memory. Nothing crosses global memory between layers,
// and the weight slice of the next layer (64 x 512) is fetched while the
// current one computes.
// CLUSTER 16 (a non-portable cluster size) halves each block's slice.
constexpr int CROWS = 16;

template <int CLUSTER> struct ClusterShared {
  static constexpr int CCOLS = WIDTH / CLUSTER;
  __nv_bfloat16 w[2][CCOLS][STRIDE];  // weight slices, double-buffered
  __nv_bfloat16 a[CROWS][STRIDE];      // this layer's input, gathered
  __nv_bfloat16 slice[2][CROWS][CCOLS]; // this block's result, by parity
  float partial[8][2][32][4];          // per warp: its k part's sums
};

__device__ inline void clusterSync() {
  asm volatile("barrier.cluster.arrive.release.aligned;\n"
               "barrier.cluster.wait.acquire.aligned;" ::: "memory");
}

// RELOAD false: every layer multiplies by layer 0's weights; SKIP bit 0: no
// gather through distributed shared memory; bit 1: no mma loop (wrong
// results: timing only), to see what each part costs.
template <int CLUSTER, bool RELOAD, int SKIP = 0>
__global__ void __launch_bounds__(THREADS)
    deepMLPCluster(const __nv_bfloat16 *x, const __nv_bfloat16 *weights,
                   const __nv_bfloat16 *biases, __nv_bfloat16 *y) {
  constexpr int CCOLS = WIDTH / CLUSTER;
  // Warps: NPAIRS groups of 16 columns x KSPLIT parts of K.
  constexpr int NPAIRS = CCOLS / 16, KSPLIT = 8 / NPAIRS;
  extern __shared__ __align__(16) unsigned char raw[];
  ClusterShared<CLUSTER> &s = *reinterpret_cast<ClusterShared<CLUSTER> *>(raw);
  uint32_t rank;
  asm("mov.u32 %0, %%cluster_ctarank;" : "=r"(rank));
  int rowBlock = blockIdx.x / CLUSTER;
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  int g = lane / 4, t = lane % 4;
  int nPair = warp % NPAIRS, kPart = warp / NPAIRS;
  copyRows<CCOLS>(s.w[0], weights + (size_t)rank * CCOLS * WIDTH);
  for (int i = threadIdx.x; i < CROWS * WIDTH / 8; i += THREADS) {
    int row = i / (WIDTH / 8), col = (i % (WIDTH / 8)) * 8;
    *reinterpret_cast<uint4 *>(&s.a[row][col]) = *reinterpret_cast<const uint4 *>(
        x + (size_t)(rowBlock * CROWS + row) * WIDTH + col);
  }
  for (int layer = 0; layer < LAYERS; ++layer) {
    int buf = layer & 1;
    if (layer + 1 < LAYERS)
      copyRows<CCOLS>(
          s.w[buf ^ 1],
          weights + ((size_t)(RELOAD ? layer + 1 : 0) * WIDTH + rank * CCOLS) * WIDTH);
    // Wait for this layer's weights (all groups but the one just issued).
    if (layer + 1 < LAYERS)
      asm volatile("cp.async.wait_group 1;");
    else
      asm volatile("cp.async.wait_group 0;");
    __syncthreads();
    float acc[2][2][4] = {};  // [n8 tile][independent chain][fragment]
    int kBegin = kPart * WIDTH / KSPLIT;
    for (int k = kBegin; !(SKIP & 2) && k < kBegin + WIDTH / KSPLIT; k += 32) {
      for (int h = 0; h < 2; ++h) {
        uint32_t a[4], b[4];
        ldmatrix4(a, &s.a[lane % 16][k + 16 * h + (lane / 16) * 8]);
        ldmatrix4(b, &s.w[buf][16 * nPair + (lane / 16) * 8 + lane % 8]
                             [k + 16 * h + ((lane / 8) % 2) * 8]);
        mma(acc[0][h], a, b[0], b[1]);
        mma(acc[1][h], a, b[2], b[3]);
      }
    }
    if (kPart > 0)
      for (int j = 0; j < 2; ++j)
        for (int i = 0; i < 4; ++i)
          s.partial[warp][j][lane][i] = acc[j][0][i] + acc[j][1][i];
    __syncthreads();
    bool last = layer == LAYERS - 1;
    if (kPart == 0) {
      for (int part = 1; part < KSPLIT; ++part)
        for (int j = 0; j < 2; ++j)
          for (int i = 0; i < 4; ++i)
            acc[j][0][i] += s.partial[part * NPAIRS + nPair][j][lane][i];
      for (int j = 0; j < 2; ++j) {
        int col = 16 * nPair + 8 * j + 2 * t;  // within the slice
        int column = rank * CCOLS + col;
        float b0 = __bfloat162float(biases[layer * WIDTH + column]);
        float b1 = __bfloat162float(biases[layer * WIDTH + column + 1]);
        for (int h = 0; h < 2; ++h) {
          float v0 = acc[j][0][2 * h] + acc[j][1][2 * h] + b0;
          float v1 = acc[j][0][2 * h + 1] + acc[j][1][2 * h + 1] + b1;
          int row = g + 8 * h;
          if (last) {
            *reinterpret_cast<__nv_bfloat162 *>(
                &y[(size_t)(rowBlock * CROWS + row) * WIDTH + column]) =
                __floats2bfloat162_rn(v0, v1);
          } else {
            *reinterpret_cast<__nv_bfloat162 *>(&s.slice[buf][row][col]) =
                __floats2bfloat162_rn(fmaxf(v0, 0.f), fmaxf(v1, 0.f));
          }
        }
      }
    }
    if (last)
      break;
    // Every block's slice of this layer written; then gather the next input.
    clusterSync();
    for (int i = threadIdx.x; !(SKIP & 1) && i < CROWS * WIDTH / 8; i += THREADS) {
      int row = i / (WIDTH / 8), col = (i % (WIDTH / 8)) * 8;
      uint32_t owner = col / CCOLS;
      uint32_t local = (uint32_t)__cvta_generic_to_shared(&s.slice[buf][row][col % CCOLS]);
      uint32_t remote;
      asm volatile("mapa.shared::cluster.u32 %0, %1, %2;"
                   : "=r"(remote) : "r"(local), "r"(owner));
      uint4 v;
      asm volatile("ld.shared::cluster.v4.u32 {%0,%1,%2,%3}, [%4];"
                   : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w) : "r"(remote));
      *reinterpret_cast<uint4 *>(&s.a[row][col]) = v;
    }
    // (The next layer's __syncthreads orders the gather before its mma; the
    // barrier at its end keeps every slice alive until all have gathered.)
  }
  // No block may exit while another still reads its shared memory.
  clusterSync();
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

// f() captured in a CUDA graph, replayed.
template <class F> float timeGraph(F f) {
  cudaStream_t stream;
  CHECK(cudaStreamCreate(&stream));
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal));
  f(stream);
  CHECK(cudaStreamEndCapture(stream, &graph));
  CHECK(cudaGraphInstantiate(&exec, graph, 0));
  return timeIt([&] { cudaGraphLaunch(exec, 0); });
}

int main() {
  std::mt19937 gen(7);
  std::uniform_real_distribution<float> uniform(-1, 1);
  auto randomVector = [&](size_t n, float scale) {
    std::vector<__nv_bfloat16> v(n);
    for (auto &e : v)
      e = __float2bfloat16(uniform(gen) * scale);
    return v;
  };
  auto hx = randomVector((size_t)ROWS * WIDTH, 1.f);
  auto hw = randomVector((size_t)LAYERS * WIDTH * WIDTH, 1.f / std::sqrt(WIDTH / 2.f));
  auto hb = randomVector((size_t)LAYERS * WIDTH, 0.1f);
  __nv_bfloat16 *x, *w, *b, *buffers, *y, *yLt;
  int *sync;  // counters, then the ticket
  CHECK(cudaMalloc(&x, hx.size() * 2));
  CHECK(cudaMalloc(&w, hw.size() * 2));
  CHECK(cudaMalloc(&b, hb.size() * 2));
  CHECK(cudaMalloc(&buffers, 2 * ROWS * WIDTH * 2));
  CHECK(cudaMalloc(&y, ROWS * WIDTH * 2));
  CHECK(cudaMalloc(&yLt, LAYERS * ROWS * WIDTH * 2));
  int syncInts = LAYERS * ROW_BLOCKS + 1;
  CHECK(cudaMalloc(&sync, syncInts * 4));
  CHECK(cudaMemcpy(x, hx.data(), hx.size() * 2, cudaMemcpyHostToDevice));
  CHECK(cudaMemcpy(w, hw.data(), hw.size() * 2, cudaMemcpyHostToDevice));
  CHECK(cudaMemcpy(b, hb.data(), hb.size() * 2, cudaMemcpyHostToDevice));

  // float64 reference, hidden layers rounded to bf16 as the kernels store them.
  std::vector<double> h(hx.begin(), hx.end()), next(ROWS * WIDTH);
  for (int i = 0; i < ROWS * WIDTH; ++i)
    h[i] = __bfloat162float(hx[i]);
  for (int l = 0; l < LAYERS; ++l) {
    for (int m = 0; m < ROWS; ++m)
      for (int n = 0; n < WIDTH; ++n) {
        double sum = __bfloat162float(hb[l * WIDTH + n]);
        const __nv_bfloat16 *row = &hw[((size_t)l * WIDTH + n) * WIDTH];
        for (int k = 0; k < WIDTH; ++k)
          sum += h[m * WIDTH + k] * __bfloat162float(row[k]);
        if (l < LAYERS - 1)
          sum = __bfloat162float(__float2bfloat16((float)std::max(sum, 0.0)));
        next[m * WIDTH + n] = sum;
      }
    h.swap(next);
  }
  auto error = [&](const __nv_bfloat16 *device) {
    std::vector<__nv_bfloat16> out(ROWS * WIDTH);
    CHECK(cudaMemcpy(out.data(), device, out.size() * 2, cudaMemcpyDeviceToHost));
    double err = 0, ref = 0;
    for (int i = 0; i < ROWS * WIDTH; ++i) {
      err = std::max(err, std::fabs(__bfloat162float(out[i]) - h[i]));
      ref = std::max(ref, std::fabs(h[i]));
    }
    return err / ref;
  };

  int sms;
  CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  CHECK(cudaFuncSetAttribute(deepMLP, cudaFuncAttributeMaxDynamicSharedMemorySize,
                             sizeof(Shared)));
  for (int blocks : {32, 64, 128, sms}) {
    auto launch = [&](cudaStream_t stream) {
      cudaMemsetAsync(sync, 0, syncInts * 4, stream);
      deepMLP<<<blocks, THREADS, sizeof(Shared), stream>>>(
          x, w, b, buffers, y, sync, sync + LAYERS * ROW_BLOCKS);
    };
    CHECK(cudaMemset(y, 0xFF, ROWS * WIDTH * 2));
    launch(0);
    CHECK(cudaDeviceSynchronize());
    double e = error(y);
    float plain = timeIt([&] { launch(0); });
    float graphed = timeGraph(launch);
    printf("persistent kernel, %3d blocks: %.4f ms, in a graph %.4f ms, rel.err %.1e\n",
           blocks, plain, graphed, e);
  }

  auto clusterRun = [&](auto kernel, int cluster, size_t shared, const char *what) {
    CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                               shared));
    CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeNonPortableClusterSizeAllowed, 1));
    auto launch = [&](cudaStream_t stream) {
      cudaLaunchConfig_t config = {};
      config.gridDim = dim3(ROWS / CROWS * cluster);
      config.blockDim = dim3(THREADS);
      config.dynamicSmemBytes = shared;
      config.stream = stream;
      cudaLaunchAttribute attribute;
      attribute.id = cudaLaunchAttributeClusterDimension;
      attribute.val.clusterDim.x = cluster;
      attribute.val.clusterDim.y = 1;
      attribute.val.clusterDim.z = 1;
      config.attrs = &attribute;
      config.numAttrs = 1;
      CHECK(cudaLaunchKernelEx(&config, kernel, (const __nv_bfloat16 *)x,
                               (const __nv_bfloat16 *)w, (const __nv_bfloat16 *)b, y));
    };
    CHECK(cudaMemset(y, 0xFF, ROWS * WIDTH * 2));
    launch(0);
    CHECK(cudaDeviceSynchronize());
    double e = error(y);
    float plain = timeIt([&] { launch(0); });
    float graphed = timeGraph(launch);
    printf("clusters of %d, %d blocks%s: %.4f ms, in a graph %.4f ms, rel.err %.1e\n",
           cluster, ROWS / CROWS * cluster, what, plain, graphed, e);
  };
  clusterRun(deepMLPCluster<8, true>, 8, sizeof(ClusterShared<8>), "");
  clusterRun(deepMLPCluster<16, true>, 16, sizeof(ClusterShared<16>), "");
  clusterRun(deepMLPCluster<8, false>, 8, sizeof(ClusterShared<8>),
             " (layer 0's weights throughout: timing only)");
  clusterRun(deepMLPCluster<16, false>, 16, sizeof(ClusterShared<16>),
             " (layer 0's weights throughout: timing only)");
  clusterRun(deepMLPCluster<8, true, 1>, 8, sizeof(ClusterShared<8>),
             " (no gather: timing only)");
  clusterRun(deepMLPCluster<8, true, 2>, 8, sizeof(ClusterShared<8>),
             " (no mma: timing only)");
  clusterRun(deepMLPCluster<8, true, 3>, 8, sizeof(ClusterShared<8>),
             " (neither: weights, epilogue and barriers only)");

  // The cuBLASLt chain: one GEMM per layer, bias and ReLU in the epilogue.
  cublasLtHandle_t lt;
  cublasLtCreate(&lt);
  size_t wsSize = 32 << 20;
  void *ws;
  CHECK(cudaMalloc(&ws, wsSize));
  cublasLtMatmulDesc_t desc[2];
  for (int relu = 0; relu < 2; ++relu) {
    cublasLtMatmulDescCreate(&desc[relu], CUBLAS_COMPUTE_32F, CUDA_R_32F);
    cublasOperation_t tA = CUBLAS_OP_T, tB = CUBLAS_OP_N;
    cublasLtMatmulDescSetAttribute(desc[relu], CUBLASLT_MATMUL_DESC_TRANSA, &tA, sizeof tA);
    cublasLtMatmulDescSetAttribute(desc[relu], CUBLASLT_MATMUL_DESC_TRANSB, &tB, sizeof tB);
    cublasLtEpilogue_t ep = relu ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_BIAS;
    cublasLtMatmulDescSetAttribute(desc[relu], CUBLASLT_MATMUL_DESC_EPILOGUE, &ep, sizeof ep);
    cudaDataType_t bt = CUDA_R_16BF;
    cublasLtMatmulDescSetAttribute(desc[relu], CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &bt, sizeof bt);
  }
  cublasLtMatrixLayout_t layout;
  cublasLtMatrixLayoutCreate(&layout, CUDA_R_16BF, WIDTH, WIDTH, WIDTH);
  cublasLtMatrixLayout_t act;
  cublasLtMatrixLayoutCreate(&act, CUDA_R_16BF, WIDTH, ROWS, WIDTH);
  cublasLtMatmulPreference_t pref;
  cublasLtMatmulPreferenceCreate(&pref);
  cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                       &wsSize, sizeof wsSize);
  cublasLtMatmulHeuristicResult_t heur[2];
  for (int relu = 0; relu < 2; ++relu) {
    int found;
    cublasLtMatmulAlgoGetHeuristic(lt, desc[relu], layout, act, act, act, pref, 1,
                                   &heur[relu], &found);
  }
  auto chain = [&](cudaStream_t stream) {
    float one = 1, zero = 0;
    for (int l = 0; l < LAYERS; ++l) {
      int relu = l < LAYERS - 1;
      const __nv_bfloat16 *bias = b + l * WIDTH;
      cublasLtMatmulDescSetAttribute(desc[relu], CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                     &bias, sizeof bias);
      const __nv_bfloat16 *in = l == 0 ? x : yLt + (size_t)(l - 1) * ROWS * WIDTH;
      cublasLtMatmul(lt, desc[relu], &one, w + (size_t)l * WIDTH * WIDTH, layout,
                     in, act, &zero, yLt + (size_t)l * ROWS * WIDTH, act,
                     yLt + (size_t)l * ROWS * WIDTH, act, &heur[relu].algo, ws,
                     wsSize, stream);
    }
  };
  chain(0);
  CHECK(cudaDeviceSynchronize());
  printf("cuBLASLt chain (17 GEMMs): %.4f ms, in a graph %.4f ms, rel.err %.1e\n",
         timeIt([&] { chain(0); }), timeGraph(chain),
         error(yLt + (size_t)(LAYERS - 1) * ROWS * WIDTH));
  return 0;
}
