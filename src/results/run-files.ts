// Every file of a results directory. The CSVs are written first and every
// report and chart is rendered from what they hold (read back), so
// `doorbell report DIR` reproduces the same bytes from the directory alone.
// What is read back is checked first (check-results.ts).
import { renderCharts } from '../render/charts.js';
import { renderPairedCsv, renderSummaryCsv } from '../render/csv.js';
import { renderMarkdownReport } from '../render/markdown.js';
import { renderTextReport } from '../render/text.js';
import { renderMailReport } from '../render/mail.js';
import { checkDataHashes, checkPaired, checkSummary, parseRunInfo, sha256 } from './check-results.js';
import type { Comparison } from './comparisons.js';
import { parsePairedCsv, parseSummaryCsv } from './csv-read.js';
import type { SummaryRow } from './model.js';
import type { RunInfo } from './run-info.js';

/** run.json beside the two CSVs, recording their SHA-256. */
export function dataFilesOf(info: RunInfo, summaryCsv: string, pairedCsv: string): Map<string, string> {
  const { data: _, ...rest } = info;
  const withHashes: RunInfo = { ...rest, data: { 'summary.csv': sha256(summaryCsv), 'paired.csv': sha256(pairedCsv) } };
  return new Map([
    ['summary.csv', summaryCsv],
    ['paired.csv', pairedCsv],
    ['run.json', JSON.stringify(withHashes, null, 2) + '\n'],
  ]);
}

export function dataFiles(info: RunInfo, rows: readonly SummaryRow[], comparisons: readonly Comparison[]): Map<string, string> {
  return dataFilesOf(info, renderSummaryCsv(rows), renderPairedCsv(comparisons));
}

/** run.json, summary.csv and paired.csv read back and checked against each other. */
export function readData(data: ReadonlyMap<string, string>, dir = ''): { info: RunInfo; rows: SummaryRow[]; comparisons: Comparison[] } {
  const info = parseRunInfo(data.get('run.json')!, `${dir}run.json`);
  checkDataHashes(info, data, dir);
  const rows = parseSummaryCsv(data.get('summary.csv')!, `${dir}summary.csv`);
  checkSummary(info, rows, `${dir}summary.csv`);
  const comparisons = parsePairedCsv(data.get('paired.csv')!, `${dir}paired.csv`);
  checkPaired(info, comparisons, `${dir}paired.csv`);
  return { info, rows, comparisons };
}

/** report.txt (the mail), report-full.txt, report.md and charts, from the data files' text alone. */
export async function renderedFiles(data: ReadonlyMap<string, string>): Promise<Map<string, string | Buffer>> {
  const { info, rows, comparisons } = readData(data);
  const files = new Map<string, string | Buffer>();
  files.set('report.txt', renderMailReport(info, rows, comparisons));
  files.set('report-full.txt', renderTextReport(info, rows, comparisons));
  files.set('report.md', renderMarkdownReport(info, rows, comparisons));
  for (const [name, png] of await renderCharts(info, rows)) files.set(`charts/${name}`, png);
  return files;
}

export async function buildRunFiles(info: RunInfo, rows: readonly SummaryRow[], comparisons: readonly Comparison[]): Promise<Map<string, string | Buffer>> {
  const data = dataFiles(info, rows, comparisons);
  return new Map<string, string | Buffer>([...data, ...(await renderedFiles(data))]);
}
