/** Lines the bare worker prints when it drives the combined deployment's ceiling itself (scripts/bench/bareWorker.ts). */
export const MEASURING_LINE = 'BENCH_MEASURING';
export const RESULT_PREFIX = 'BENCH_RESULT ';
