// A child process that renders reports and charts from a run's data files.
// The renderer (canvas) runs out of the main process so that Ctrl-C stops
// a run at once in this phase too: the parent kills the child (canvas is
// not safe to stop inside a worker thread). The child leaves signals to
// its parent, and exits when the parent goes away.
import { InputError } from '../errors.js';
import { renderedFiles } from '../results/run-files.js';

process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
process.on('disconnect', () => process.exit(0));
process.once('message', (m: { data: Array<[string, string]> }) => {
  renderedFiles(new Map(m.data)).then(
    (files) => process.send!({ files: [...files] }),
    (e: unknown) =>
      process.send!({ error: e instanceof Error ? (e.stack ?? e.message) : String(e), ...(e instanceof InputError ? { input: { what: e.what, expected: e.expected, where: e.where } } : {}) }),
  );
});
