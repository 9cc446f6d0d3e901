// Notes under a chart (what its marks mean), word-wrapped to the chart's width.
import { type CanvasRenderingContext2D, createCanvas } from 'canvas';
import { FONT } from './chart-kit.js';

const NOTE_FONT = `12px "${FONT}"`;
const NOTE_ROW = 16;

/** Notes under a chart, each word-wrapped to `width` px from x = 20. */
export function noteLines(notes: readonly string[], width: number): string[] {
  const ctx = createCanvas(1, 1).getContext('2d');
  ctx.font = NOTE_FONT;
  return notes.flatMap((note) => {
    const out: string[] = [];
    let line = '';
    for (const word of note.split(' ')) {
      const next = line ? `${line} ${word}` : word;
      if (line && ctx.measureText(next).width > width - 40) { out.push(line); line = word; } else line = next;
    }
    return line ? [...out, line] : out;
  });
}

/** The height noteLines takes. */
export const notesHeight = (notes: readonly string[], width: number) => noteLines(notes, width).length * NOTE_ROW + 10;

/** Draws the notes so the last line sits 10 px above `bottom`. */
export function drawNotes(ctx: CanvasRenderingContext2D, notes: readonly string[], width: number, bottom: number): void {
  const lines = noteLines(notes, width);
  ctx.save();
  ctx.font = NOTE_FONT;
  ctx.fillStyle = '#444444';
  lines.forEach((l, i) => ctx.fillText(l, 20, bottom - 10 - (lines.length - 1 - i) * NOTE_ROW));
  ctx.restore();
}
