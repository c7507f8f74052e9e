import type { Summary } from './stats.js';

export interface Row extends Summary {
  row: string;
  unit: string;
  notes: string;
}

const HEADERS = ['row', 'median', 'p99', 'runs', 'unit / notes'] as const;

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** One plain-text table, columns padded to their widest cell, numbers right-aligned. */
export function formatTable(rows: readonly Row[]): string {
  const cells = rows.map((row) => [row.row, formatNumber(row.median), formatNumber(row.p99), String(row.runs), `${row.unit} · ${row.notes}`]);
  const widths = HEADERS.map((header, column) => Math.max(header.length, ...cells.map((line) => line[column]?.length ?? 0)));
  const numeric = [false, true, true, true, false];
  const render = (line: readonly string[]): string =>
    line
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        // The last column is free text: padding it would only add trailing spaces.
        if (column === line.length - 1) return cell;
        return numeric[column] === true ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ');
  return [render(HEADERS), render(widths.map((width) => '-'.repeat(width))), ...cells.map(render)].join('\n');
}
