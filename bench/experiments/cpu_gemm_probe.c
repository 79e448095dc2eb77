/* CPU GEMM probe: one f32 linear layer with bias and ReLU, y = relu(x w^T + b),
 * as OpenBLAS's sgemm plus a pass (what CPU models do) against oneDNN's matmul
 * with the bias and ReLU fused as its post-op, on the CI machine.
 *
 *   apt-get install libdnnl-dev libopenblas-dev
 *   gcc -O2 bench/experiments/cpu_gemm_probe.c -o probe -ldnnl -lopenblas
 *   ./probe M K N REPEATS        (OPENBLAS_VERBOSE=2 prints OpenBLAS's core)
 *
 * Numbers: bench/results/cpu-gemm-probe.txt, docs/benchmarks/cpu.md. */
#include <oneapi/dnnl/dnnl.h>
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
#define CHECK(x) do{dnnl_status_t s=(x); if(s){printf("err %d at %d\n",s,__LINE__);exit(1);}}while(0)
int main(int argc,char**argv){
  int M=atoi(argv[1]),K=atoi(argv[2]),N=atoi(argv[3]); int reps=atoi(argv[4]);
  float *x=malloc(4L*M*K),*w=malloc(4L*N*K),*b=malloc(4L*N),*y=malloc(4L*M*N);
  for(long i=0;i<(long)M*K;i++)x[i]=rand()/(float)RAND_MAX-0.5f;
  for(long i=0;i<(long)N*K;i++)w[i]=rand()/(float)RAND_MAX-0.5f;
  for(int i=0;i<N;i++)b[i]=0.1f;
  // OpenBLAS: y = x w^T, then bias+relu
  double t0=now();
  for(int r=0;r<reps;r++){cblas_sgemm(CblasRowMajor,CblasNoTrans,CblasTrans,M,N,K,1.f,x,K,w,K,0.f,y,N);
    for(long i=0;i<M;i++)for(int j=0;j<N;j++){float v=y[i*N+j]+b[j];y[i*N+j]=v>0?v:0;}}
  double tb=(now()-t0)/reps;
  dnnl_engine_t eng; CHECK(dnnl_engine_create(&eng,dnnl_cpu,0));
  dnnl_stream_t st; CHECK(dnnl_stream_create(&st,eng,dnnl_stream_default_flags));
  dnnl_memory_desc_t xd,wd,bd,yd;
  dnnl_dims_t xs={M,K}, ws={K,N}, wst={1,K}, bs={1,N}, ys={M,N};
  CHECK(dnnl_memory_desc_init_by_strides(&xd,2,xs,dnnl_f32,(dnnl_dims_t){K,1}));
  CHECK(dnnl_memory_desc_init_by_strides(&wd,2,ws,dnnl_f32,(dnnl_dims_t){1,K})); // w^T view of [N,K]
  CHECK(dnnl_memory_desc_init_by_strides(&bd,2,bs,dnnl_f32,(dnnl_dims_t){N,1}));
  CHECK(dnnl_memory_desc_init_by_strides(&yd,2,ys,dnnl_f32,(dnnl_dims_t){N,1}));
  dnnl_post_ops_t po; CHECK(dnnl_post_ops_create(&po)); CHECK(dnnl_post_ops_append_eltwise(po,1.f,dnnl_eltwise_relu,0.f,0.f));
  dnnl_primitive_attr_t at; CHECK(dnnl_primitive_attr_create(&at)); CHECK(dnnl_primitive_attr_set_post_ops(at,po));
  dnnl_matmul_desc_t md; CHECK(dnnl_matmul_desc_init(&md,&xd,&wd,&bd,&yd)); dnnl_primitive_desc_t pd; CHECK(dnnl_primitive_desc_create(&pd,&md,at,eng,NULL));
  const char*impl; dnnl_primitive_desc_query(pd,dnnl_query_impl_info_str,0,&impl);
  dnnl_primitive_t p; CHECK(dnnl_primitive_create(&p,pd));
  dnnl_memory_t xm,wm,bm,ym;
  CHECK(dnnl_memory_create(&xm,&xd,eng,x));CHECK(dnnl_memory_create(&wm,&wd,eng,w));CHECK(dnnl_memory_create(&bm,&bd,eng,b));CHECK(dnnl_memory_create(&ym,&yd,eng,y));
  dnnl_exec_arg_t args[4]={{DNNL_ARG_SRC,xm},{DNNL_ARG_WEIGHTS,wm},{DNNL_ARG_BIAS,bm},{DNNL_ARG_DST,ym}};
  CHECK(dnnl_primitive_execute(p,st,4,args)); dnnl_stream_wait(st);
  t0=now();
  for(int r=0;r<reps;r++){CHECK(dnnl_primitive_execute(p,st,4,args));} dnnl_stream_wait(st);
  double td=(now()-t0)/reps;
  printf("%dx%dx%d openblas+pass %.3f ms, onednn(%s) %.3f ms, ratio %.2f\n",M,K,N,tb*1e3,impl,td*1e3,td/tb);
}
