/**
 * Preloaded into the server under load (NODE_OPTIONS="--expose-gc --require ..."), never into
 * the app itself: SIGUSR2 runs a full garbage collection and prints the memory after it, so the
 * load test can compare the server at rest before and after the load.
 */
process.on('SIGUSR2', () => {
  globalThis.gc();
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  const mb = (bytes) => bytes / 1048576;
  // Live memory: the JS heap plus what JS objects hold outside it (Buffers, native handles).
  // Committed heap: what V8 holds from the system for the JS heap, live or not.
  console.log(
    JSON.stringify({
      event: 'load_test_gc',
      rssMb: mb(rss),
      liveMb: mb(heapUsed + external),
      heapCommittedMb: mb(heapTotal),
    }),
  );
});
