// PostGraphile v5 uses Promise.withResolvers (Node 22+); Node 20 lacks it.
// Loaded with NODE_OPTIONS=--require ./polyfill.cjs (benchmarks/compare.py does this).
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
