// Every file of a results directory. The CSVs are written first and every
// report and chart is rendered from what they hold (read back), so
// `doorbell report DIR` reproduces the same bytes from the directory alone.
import { renderCharts } from '../render/charts.js';
import { renderPairedCsv, renderSummaryCsv } from '../render/csv.js';
import { renderMarkdownReport } from '../render/markdown.js';
import { renderTextReport } from '../render/text.js';
import type { Comparison } from './comparisons.js';
import { parsePairedCsv, parseSummaryCsv } from './csv-read.js';
import type { SummaryRow } from './model.js';
import type { RunInfo } from './run-info.js';

export function dataFiles(info: RunInfo, rows: readonly SummaryRow[], comparisons: readonly Comparison[]): Map<string, string> {
  return new Map([
    ['summary.csv', renderSummaryCsv(rows)],
    ['paired.csv', renderPairedCsv(comparisons)],
    ['run.json', JSON.stringify(info, null, 2) + '\n'],
  ]);
}

/** report.txt, report.md and charts, from the data files' text alone. */
export async function renderedFiles(data: ReadonlyMap<string, string>): Promise<Map<string, string | Buffer>> {
  const info = JSON.parse(data.get('run.json')!) as RunInfo;
  const rows = parseSummaryCsv(data.get('summary.csv')!);
  const comparisons = parsePairedCsv(data.get('paired.csv')!);
  const files = new Map<string, string | Buffer>();
  files.set('report.txt', renderTextReport(info, rows, comparisons));
  files.set('report.md', renderMarkdownReport(info, rows, comparisons));
  for (const [name, png] of await renderCharts(info, rows)) files.set(`charts/${name}`, png);
  return files;
}

export async function buildRunFiles(info: RunInfo, rows: readonly SummaryRow[], comparisons: readonly Comparison[]): Promise<Map<string, string | Buffer>> {
  const data = dataFiles(info, rows, comparisons);
  return new Map<string, string | Buffer>([...data, ...(await renderedFiles(data))]);
}
