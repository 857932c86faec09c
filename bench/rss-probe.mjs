// Preloaded into a measured process: reports its own peak RSS on exit, so a benchmark never counts the fakes.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  writeSync(2, `\n__bench_max_rss_kb=${process.resourceUsage().maxRSS}\n`);
});
