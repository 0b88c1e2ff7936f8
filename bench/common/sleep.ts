/** A promise that resolves after `ms` milliseconds: the one pause the benchmarks' drivers and clients wait on. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
