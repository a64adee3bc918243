/** A line `import` cannot read: where, and what was expected there. */
export class BadLine extends Error {
  constructor(
    /** 1-based column; 0 for a named field of a JSON line, or for the line as a whole (no name). */
    readonly column: number,
    readonly columnName: string,
    readonly expected: string,
  ) {
    super(column > 0 ? `column ${column} (${columnName}): ${expected}` : columnName ? `field "${columnName}": ${expected}` : expected);
  }
}

/** A value as a message quotes it: at most 40 characters. */
export const quote = (value: string) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
