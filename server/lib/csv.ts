// CSV text cells that a spreadsheet reads as text. A cell starting with = + - @ (or a tab or carriage
// return) is taken for a formula by Excel, LibreOffice and Google Sheets ("CSV injection"): run names
// and tags come from the files a job writes, so such a cell gets a leading single quote. Numbers are
// written by the caller as numbers and never pass through here.

const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell: a formula-like start neutralised, quoted when it holds a comma, quote or line break. */
export function csvText(s: string): string {
  const safe = FORMULA_START.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
