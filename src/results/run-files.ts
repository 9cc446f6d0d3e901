// Every file of a results directory, rendered in memory from the rows and
// the run info (so a failure leaves nothing half-written).
import { renderCharts } from '../render/charts.js';
import { renderSummaryCsv } from '../render/csv.js';
import { renderMarkdownReport } from '../render/markdown.js';
import { renderTextReport } from '../render/text.js';
import type { SummaryRow } from './model.js';
import type { RunInfo } from './run-info.js';

export async function buildRunFiles(info: RunInfo, rows: readonly SummaryRow[]): Promise<Map<string, string | Buffer>> {
  const files = new Map<string, string | Buffer>();
  files.set('summary.csv', renderSummaryCsv(rows));
  files.set('run.json', JSON.stringify(info, null, 2) + '\n');
  files.set('report.txt', renderTextReport(info, rows));
  files.set('report.md', renderMarkdownReport(info, rows));
  for (const [name, png] of await renderCharts(info, rows)) files.set(`charts/${name}`, png);
  return files;
}
