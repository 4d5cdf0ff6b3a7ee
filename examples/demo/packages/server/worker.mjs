// A background worker that logs a heartbeat, so the demo shows two services' output.
let n = 0;
const timer = setInterval(() => console.log(`worker heartbeat ${++n}`), 2000);
console.log('worker started');
process.on('SIGTERM', () => {
  clearInterval(timer);
  console.log('worker: SIGTERM, finishing');
  process.exit(0);
});
