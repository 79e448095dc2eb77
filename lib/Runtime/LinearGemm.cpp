//===- LinearGemm.cpp - Linear layers as cuBLASLt GEMMs ---------*- C++ -*-===//
//
// Row-major y[m, n] = x[m, k] @ w[n, k]^T is, read column-major, the product
// Y'[n, m] = op(W')[n, k] * X'[k, m] with W' = w viewed as [k, n] and
// transposed: one cuBLASLt matmul with A = w (transposed), B = x, D = y, and
// the bias (one value per row of Y', i.e. per output feature) added in the
// epilogue.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <cublasLt.h>
#include <cuda_runtime.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#define HYPATIA_EXPORT __attribute__((visibility("default")))

namespace {

thread_local std::string lastError;

} // namespace

void hypatia::runtime::setLastError(const std::string &message) {
  lastError = message;
}

namespace {

hypatia_status fail(hypatia_status status, const std::string &message) {
  lastError = message;
  return status;
}

hypatia_status failCuda(cudaError_t error, const char *what) {
  return fail(HYPATIA_ERROR_CUDA, std::string("hypatia: ") + what + ": " +
                                      cudaGetErrorString(error));
}

hypatia_status failCublas(cublasStatus_t status, const char *what) {
  return fail(HYPATIA_ERROR_CUBLAS, std::string("hypatia: ") + what + ": " +
                                        cublasLtGetStatusString(status));
}

/// The largest power of two (at most 16) that divides every pointer.
unsigned getAlignment(std::initializer_list<const void *> pointers) {
  unsigned alignment = 16;
  for (const void *pointer : pointers)
    if (pointer)
      while (reinterpret_cast<uintptr_t>(pointer) % alignment)
        alignment /= 2;
  return alignment;
}

struct PlanKey {
  int device;
  hypatia_dtype dtype;
  int64_t m, n, k;
  /// HYPATIA_INPUT_TRANSPOSED and HYPATIA_WEIGHT_TRANSPOSED bits.
  int layout;
  hypatia_activation activation;
  bool hasBias;
  bool tf32;
  unsigned alignment;
  /// Elements between rows of y (n, or more for a column block).
  int64_t ldy;
  bool operator<(const PlanKey &other) const {
    return std::tie(device, dtype, m, n, k, layout, activation, hasBias, tf32,
                    alignment, ldy) <
           std::tie(other.device, other.dtype, other.m, other.n, other.k,
                    other.layout, other.activation, other.hasBias, other.tf32,
                    other.alignment, other.ldy);
  }
};

/// What one shape needs, built at first use and reused.
struct Plan {
  cublasLtMatmulDesc_t description = nullptr;
  cublasLtMatrixLayout_t layoutW = nullptr, layoutX = nullptr,
                         layoutY = nullptr;
  cublasLtMatmulAlgo_t algorithm;
  /// The heuristic's other candidates, timed on the first call that is not
  /// being captured when autotuning is on; empty once decided.
  std::vector<cublasLtMatmulAlgo_t> untimedCandidates;
  void *workspace = nullptr;
  size_t workspaceBytes = 0;
  /// The bias pointer is an attribute of the description: set and used
  /// under this lock.
  std::mutex mutex;

  ~Plan() {
    if (workspace)
      cudaFree(workspace);
    if (layoutY)
      cublasLtMatrixLayoutDestroy(layoutY);
    if (layoutX)
      cublasLtMatrixLayoutDestroy(layoutX);
    if (layoutW)
      cublasLtMatrixLayoutDestroy(layoutW);
    if (description)
      cublasLtMatmulDescDestroy(description);
  }
};

struct Runtime {
  std::mutex mutex;
  std::map<int, cublasLtHandle_t> handles;
  std::map<PlanKey, std::unique_ptr<Plan>> plans;

  ~Runtime() { clear(); }
  void clear() {
    plans.clear();
    for (auto &[device, handle] : handles)
      cublasLtDestroy(handle);
    handles.clear();
  }
};

/// How many of cuBLASLt's heuristic candidates to time at first use (<= 1:
/// take its first choice). From HYPATIA_GEMM_AUTOTUNE, or
/// hypatiaSetGemmAutotune.
std::atomic<int> autotuneCandidates{[] {
  const char *value = std::getenv("HYPATIA_GEMM_AUTOTUNE");
  return value ? std::atoi(value) : 0;
}()};

Runtime &getRuntime() {
  static Runtime runtime;
  return runtime;
}

cudaDataType_t getCudaType(hypatia_dtype dtype) {
  switch (dtype) {
  case HYPATIA_F32:
    return CUDA_R_32F;
  case HYPATIA_F16:
    return CUDA_R_16F;
  case HYPATIA_BF16:
    return CUDA_R_16BF;
  }
  return CUDA_R_32F;
}

hypatia_status buildPlan(cublasLtHandle_t handle, const PlanKey &key,
                         Plan &plan) {
  cublasStatus_t status;
  cublasComputeType_t compute = key.dtype == HYPATIA_F32 && key.tf32
                                    ? CUBLAS_COMPUTE_32F_FAST_TF32
                                    : CUBLAS_COMPUTE_32F;
  if ((status =
           cublasLtMatmulDescCreate(&plan.description, compute, CUDA_R_32F)))
    return failCublas(status, "creating the matmul description");
  // Column-major, cuBLASLt computes y^T [n, m] = op(A) op(B) with A = w
  // and B = x. A row-major w [n, k] is a column-major [k, n], transposed
  // (op T); a w stored transposed ([k, n] row-major) is a column-major
  // [n, k], read as it is. Likewise B: x [m, k] is a column-major [k, m],
  // read as it is; x stored transposed is a column-major [m, k], op T.
  bool weightTransposed = key.layout & HYPATIA_WEIGHT_TRANSPOSED;
  bool inputTransposed = key.layout & HYPATIA_INPUT_TRANSPOSED;
  cublasOperation_t opA = weightTransposed ? CUBLAS_OP_N : CUBLAS_OP_T;
  cublasOperation_t opB = inputTransposed ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasLtMatmulDescSetAttribute(plan.description, CUBLASLT_MATMUL_DESC_TRANSA,
                                 &opA, sizeof(opA));
  cublasLtMatmulDescSetAttribute(plan.description, CUBLASLT_MATMUL_DESC_TRANSB,
                                 &opB, sizeof(opB));
  cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_DEFAULT;
  switch (key.activation) {
  case HYPATIA_ACTIVATION_NONE:
    epilogue = key.hasBias ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_DEFAULT;
    break;
  case HYPATIA_ACTIVATION_RELU:
    epilogue =
        key.hasBias ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_RELU;
    break;
  case HYPATIA_ACTIVATION_GELU_TANH:
    epilogue =
        key.hasBias ? CUBLASLT_EPILOGUE_GELU_BIAS : CUBLASLT_EPILOGUE_GELU;
    break;
  case HYPATIA_ACTIVATION_GELU_ERF:
  case HYPATIA_ACTIVATION_SILU:
    break; // Rejected by hypatiaLinear before a plan is made.
  }
  cublasLtMatmulDescSetAttribute(plan.description,
                                 CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue,
                                 sizeof(epilogue));
  if (key.hasBias) {
    cudaDataType_t biasType = getCudaType(key.dtype);
    cublasLtMatmulDescSetAttribute(plan.description,
                                   CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE,
                                   &biasType, sizeof(biasType));
  }

  cudaDataType_t type = getCudaType(key.dtype);
  // The column-major views above; y is [n, m] (ld ldy).
  if ((status = weightTransposed
                    ? cublasLtMatrixLayoutCreate(&plan.layoutW, type, key.n,
                                                 key.k, key.n)
                    : cublasLtMatrixLayoutCreate(&plan.layoutW, type, key.k,
                                                 key.n, key.k)) ||
      (status = inputTransposed
                    ? cublasLtMatrixLayoutCreate(&plan.layoutX, type, key.m,
                                                 key.k, key.m)
                    : cublasLtMatrixLayoutCreate(&plan.layoutX, type, key.k,
                                                 key.m, key.k)) ||
      (status = cublasLtMatrixLayoutCreate(&plan.layoutY, type, key.n, key.m,
                                           key.ldy)))
    return failCublas(status, "creating matrix layouts");

  cublasLtMatmulPreference_t preference;
  if ((status = cublasLtMatmulPreferenceCreate(&preference)))
    return failCublas(status, "creating the matmul preference");
  size_t maxWorkspace = 32u << 20;
  uint32_t alignment = key.alignment;
  cublasLtMatmulPreferenceSetAttribute(preference,
                                       CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                       &maxWorkspace, sizeof(maxWorkspace));
  for (auto attribute : {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES,
                         CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
                         CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES,
                         CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES})
    cublasLtMatmulPreferenceSetAttribute(preference, attribute, &alignment,
                                         sizeof(alignment));
  int requested = std::max(1, std::min(autotuneCandidates.load(), 16));
  std::vector<cublasLtMatmulHeuristicResult_t> heuristics(requested);
  int found = 0;
  status = cublasLtMatmulAlgoGetHeuristic(
      handle, plan.description, plan.layoutW, plan.layoutX, plan.layoutY,
      plan.layoutY, preference, requested, heuristics.data(), &found);
  cublasLtMatmulPreferenceDestroy(preference);
  if (status && status != CUBLAS_STATUS_NOT_SUPPORTED)
    return failCublas(status, "choosing a GEMM algorithm");
  if (status == CUBLAS_STATUS_NOT_SUPPORTED || found == 0)
    return fail(HYPATIA_ERROR_NOT_SUPPORTED,
                "hypatia: cuBLASLt has no algorithm for this GEMM (m " +
                    std::to_string(key.m) + ", n " + std::to_string(key.n) +
                    ", k " + std::to_string(key.k) + ", pointers aligned to " +
                    std::to_string(key.alignment) + " bytes)");
  plan.algorithm = heuristics[0].algo;
  for (int i = 0; i < found; ++i) {
    plan.workspaceBytes =
        std::max(plan.workspaceBytes, heuristics[i].workspaceSize);
    if (i > 0)
      plan.untimedCandidates.push_back(heuristics[i].algo);
  }
  if (plan.workspaceBytes) {
    cudaError_t error = cudaMalloc(&plan.workspace, plan.workspaceBytes);
    if (error)
      return failCuda(error, "allocating the GEMM workspace");
  }
  return HYPATIA_SUCCESS;
}

/// Times the plan's algorithm and its untimed candidates on these buffers
/// (a few runs each, on `stream`, synchronizing it) and keeps the fastest.
/// Not while the stream is being captured: the next call does it.
void autotune(cublasLtHandle_t handle, Plan &plan, cudaStream_t stream,
              const void *w, const void *x, void *y) {
  if (hypatia::runtime::isCapturing(stream))
    return;
  std::vector<cublasLtMatmulAlgo_t> candidates = {plan.algorithm};
  candidates.insert(candidates.end(), plan.untimedCandidates.begin(),
                    plan.untimedCandidates.end());
  plan.untimedCandidates.clear();
  float alpha = 1.0f, beta = 0.0f, best = INFINITY;
  for (const cublasLtMatmulAlgo_t &candidate : candidates) {
    float milliseconds = hypatia::runtime::timeOnStream(stream, [&] {
      return cublasLtMatmul(handle, plan.description, &alpha, w, plan.layoutW,
                            x, plan.layoutX, &beta, y, plan.layoutY, y,
                            plan.layoutY, &candidate, plan.workspace,
                            plan.workspaceBytes,
                            stream) == CUBLAS_STATUS_SUCCESS;
    });
    if (milliseconds < best) {
      best = milliseconds;
      plan.algorithm = candidate;
    }
  }
}

} // namespace

extern "C" HYPATIA_EXPORT void hypatiaSetGemmAutotune(int candidates) {
  autotuneCandidates = candidates;
}

extern "C" HYPATIA_EXPORT hypatia_status hypatiaLinear(
    void *stream, hypatia_dtype dtype, int64_t m, int64_t n, int64_t k,
    const void *x, const void *w, const void *bias, void *y, int layout,
    hypatia_activation activation, int allowTF32) {
  return hypatia::runtime::linear(stream, dtype, m, n, k, x, w, bias, y, n,
                                  layout, activation, allowTF32);
}

hypatia_status
hypatia::runtime::linear(void *stream, hypatia_dtype dtype, int64_t m,
                         int64_t n, int64_t k, const void *x, const void *w,
                         const void *bias, void *y, int64_t ldy, int layout,
                         hypatia_activation activation, int allowTF32) {
  lastError.clear();
  if (dtype != HYPATIA_F32 && dtype != HYPATIA_F16 && dtype != HYPATIA_BF16)
    return fail(HYPATIA_ERROR_INVALID_ARGUMENT,
                "hypatia: unknown dtype " + std::to_string(int(dtype)));
  if (activation == HYPATIA_ACTIVATION_GELU_ERF ||
      activation == HYPATIA_ACTIVATION_SILU)
    return fail(HYPATIA_ERROR_NOT_SUPPORTED,
                "hypatia: cuBLASLt has no epilogue for activation " +
                    std::to_string(int(activation)) +
                    " (erf-GELU or SiLU): apply it after the GEMM");
  if (activation != HYPATIA_ACTIVATION_NONE &&
      activation != HYPATIA_ACTIVATION_RELU &&
      activation != HYPATIA_ACTIVATION_GELU_TANH)
    return fail(HYPATIA_ERROR_INVALID_ARGUMENT,
                "hypatia: unknown activation " +
                    std::to_string(int(activation)));
  if (layout & ~(HYPATIA_INPUT_TRANSPOSED | HYPATIA_WEIGHT_TRANSPOSED))
    return fail(HYPATIA_ERROR_INVALID_ARGUMENT,
                "hypatia: unknown layout bits " + std::to_string(layout));
  if (m < 0 || n < 0 || k < 0)
    return fail(HYPATIA_ERROR_INVALID_ARGUMENT,
                "hypatia: linear layer with m " + std::to_string(m) + ", n " +
                    std::to_string(n) + ", k " + std::to_string(k) +
                    ": need m, n, k >= 0");
  if (ldy < n)
    return fail(HYPATIA_ERROR_INVALID_ARGUMENT,
                "hypatia: linear layer with rows of y " + std::to_string(ldy) +
                    " elements apart, fewer than n " + std::to_string(n));
  if (m == 0 || n == 0)
    return HYPATIA_SUCCESS;
  if (!y || (k > 0 && (!x || !w)))
    return fail(HYPATIA_ERROR_INVALID_ARGUMENT,
                "hypatia: null input, weight or output pointer");
  size_t elementBytes = hypatia::runtime::getElementBytes(dtype);
  if (k == 0) {
    // An empty sum (the weight gradient of an empty batch, whose operands
    // may have no storage at all): zeros, which every activation keeps.
    // With a bias, y would be activation(bias) in every row, which no
    // caller needs.
    if (bias)
      return fail(HYPATIA_ERROR_NOT_SUPPORTED,
                  "hypatia: linear layer with k 0 and a bias");
    if (cudaError_t error = cudaMemset2DAsync(
            y, size_t(ldy) * elementBytes, 0, size_t(n) * elementBytes,
            size_t(m), static_cast<cudaStream_t>(stream)))
      return failCuda(error, "zeroing an empty product");
    return HYPATIA_SUCCESS;
  }

  int device;
  if (cudaError_t error = cudaGetDevice(&device))
    return failCuda(error, "querying the current device");
  // cuBLASLt's bias epilogue failed at run time ("not supported") on a bf16
  // bias 2 bytes past a 16-byte boundary (a row slice of a GluMlp's chunked
  // bias on the H200), whatever the heuristic had said: such a bias is
  // copied to a stream-ordered aligned buffer first.
  cudaStream_t cudaStream = static_cast<cudaStream_t>(stream);
  void *alignedBias = nullptr;
  if (bias && reinterpret_cast<uintptr_t>(bias) % 16) {
    if (cudaError_t error =
            cudaMallocAsync(&alignedBias, n * elementBytes, cudaStream))
      return failCuda(error, "allocating an aligned copy of the bias");
    if (cudaError_t error =
            cudaMemcpyAsync(alignedBias, bias, n * elementBytes,
                            cudaMemcpyDeviceToDevice, cudaStream)) {
      cudaFreeAsync(alignedBias, cudaStream);
      return failCuda(error, "copying the bias");
    }
    bias = alignedBias;
  }
  // Frees the copy after the GEMM (stream-ordered) on every return.
  std::unique_ptr<void, std::function<void(void *)>> freeBias(
      alignedBias, [cudaStream](void *pointer) {
        if (pointer)
          cudaFreeAsync(pointer, cudaStream);
      });
  // Rows of y must keep its alignment too.
  unsigned alignment = getAlignment({x, w, bias, y});
  while ((ldy * elementBytes) % alignment)
    alignment /= 2;
  PlanKey key{
      device,          dtype,          m,         n,  k, layout, activation,
      bias != nullptr, allowTF32 != 0, alignment, ldy};

  Plan *plan;
  cublasLtHandle_t handle;
  {
    Runtime &runtime = getRuntime();
    std::lock_guard<std::mutex> lock(runtime.mutex);
    auto handleIt = runtime.handles.find(device);
    if (handleIt == runtime.handles.end()) {
      cublasLtHandle_t created;
      if (cublasStatus_t status = cublasLtCreate(&created))
        return failCublas(status, "creating the cuBLASLt handle");
      handleIt = runtime.handles.emplace(device, created).first;
    }
    handle = handleIt->second;
    std::unique_ptr<Plan> &slot = runtime.plans[key];
    if (!slot) {
      auto built = std::make_unique<Plan>();
      if (hypatia_status status = buildPlan(handle, key, *built)) {
        runtime.plans.erase(key);
        return status;
      }
      slot = std::move(built);
    }
    plan = slot.get();
  }

  float alpha = 1.0f, beta = 0.0f;
  std::lock_guard<std::mutex> lock(plan->mutex);
  if (bias)
    cublasLtMatmulDescSetAttribute(plan->description,
                                   CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias,
                                   sizeof(bias));
  if (!plan->untimedCandidates.empty())
    autotune(handle, *plan, static_cast<cudaStream_t>(stream), w, x, y);
  cublasStatus_t status = cublasLtMatmul(
      handle, plan->description, &alpha, w, plan->layoutW, x, plan->layoutX,
      &beta, y, plan->layoutY, y, plan->layoutY, &plan->algorithm,
      plan->workspace, plan->workspaceBytes, static_cast<cudaStream_t>(stream));
  if (status)
    return failCublas(status, "running the GEMM");
  return HYPATIA_SUCCESS;
}

bool hypatia::runtime::isCapturing(void *stream) {
  cudaStreamCaptureStatus capture;
  return cudaStreamIsCapturing(static_cast<cudaStream_t>(stream), &capture) !=
             cudaSuccess ||
         capture != cudaStreamCaptureStatusNone;
}

float hypatia::runtime::timeOnStream(void *stream,
                                     const std::function<bool()> &call) {
  constexpr int warmup = 2, runs = 5;
  cudaStream_t cudaStream = static_cast<cudaStream_t>(stream);
  cudaEvent_t start, stop;
  if (cudaEventCreate(&start) != cudaSuccess)
    return INFINITY;
  if (cudaEventCreate(&stop) != cudaSuccess) {
    cudaEventDestroy(start);
    return INFINITY;
  }
  bool ok = true;
  for (int i = 0; i < warmup && ok; ++i)
    ok = call();
  cudaEventRecord(start, cudaStream);
  for (int i = 0; i < runs && ok; ++i)
    ok = call();
  cudaEventRecord(stop, cudaStream);
  float milliseconds = INFINITY;
  if (!ok || cudaEventSynchronize(stop) != cudaSuccess ||
      cudaEventElapsedTime(&milliseconds, start, stop) != cudaSuccess)
    milliseconds = INFINITY;
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return milliseconds / runs;
}

extern "C" HYPATIA_EXPORT const char *hypatiaGetLastError(void) {
  return lastError.c_str();
}

extern "C" HYPATIA_EXPORT void hypatiaRuntimeShutdown(void) {
  Runtime &runtime = getRuntime();
  std::lock_guard<std::mutex> lock(runtime.mutex);
  runtime.clear();
}
