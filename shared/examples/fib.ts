/**
 * The lecture's API: "responds to requests of the type {n} by sending back the n-th Fibonacci
 * number". Deliberately the slow recursive definition, so that a small `n` is a cheap request
 * and a large `n` (35 and up) is seconds of pure CPU, as in the lecture.
 *
 * It lives in its own module because worker threads import it: importing the server module in a
 * worker would start another server there.
 */
export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
