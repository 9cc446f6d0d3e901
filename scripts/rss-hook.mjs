// Loaded with `node --import`: reports the process's peak RSS (threads included) at exit.
import { writeSync } from 'node:fs';
process.on('exit', () => writeSync(2, `doorbell-bench maxrss-kb ${process.resourceUsage().maxRSS}\n`));
