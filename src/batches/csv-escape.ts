// Spreadsheets run cells starting with these as formulas (OWASP "CSV injection"); payee names and
// reference ids come from clients' ERPs, so the export must not turn them into live formulas.
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  // Numbers are payval's own (scores, counts, amounts), so a leading minus is not an injection.
  if (typeof value === 'number') return String(value);
  const guarded = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

export function csvLine(values: ReadonlyArray<string | number | null | undefined>): string {
  const line = values.map(csvCell).join(',');
  // A lone empty cell would otherwise be a blank line, which readers skip as no row at all.
  return (values.length === 1 && line === '' ? '""' : line) + '\r\n';
}
