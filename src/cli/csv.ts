/**
 * CSV as RFC 4180 has it, for reports opened in spreadsheets: CRLF line ends; a field holding a
 * comma, a double quote, CR or LF is quoted, its quotes doubled. A text cell a spreadsheet would
 * run as a formula (starting with = + - @, or tab or CR as OWASP lists them) gets a leading ' so it
 * shows as text: report cells carry upstream text (error messages, names) nobody here controls.
 */

export type CsvValue = string | number | boolean | null | undefined;

/** Characters that make Excel, LibreOffice or Google Sheets read a cell as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One field; null and undefined are empty. Numbers and booleans are written as they are (they are ours, never a formula). */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: readonly CsvValue[]): string {
  return values.map(csvCell).join(',');
}

/** A whole file: the header row, then one line per row, each ended by CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header, ...rows].map((values) => `${csvLine(values)}\r\n`).join('');
}
