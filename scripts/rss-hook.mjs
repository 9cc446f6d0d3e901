// Loaded with `node --import`: reports the process's peak RSS and CPU time (threads included) at exit.
import { writeSync } from 'node:fs';
process.on('exit', () => {
  const u = process.resourceUsage();
  writeSync(2, `doorbell-bench maxrss-kb ${u.maxRSS} cpu-us ${u.userCPUTime + u.systemCPUTime}\n`);
});
